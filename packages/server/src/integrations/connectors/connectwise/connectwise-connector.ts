import type { ConnectionCheck, Connector, ConnectorEnvironment, DirectoryCompany, DirectoryPage, DirectoryUser } from '../connector.js';
import { ConnectorError } from '../connector.js';
import { sendWithRetry } from '../http.js';

export interface ConnectWiseCredentials {
  /** The Manage server: a host such as `api-na.myconnectwise.net` (https), or a full origin for on-premise servers. */
  site: string;
  /** The company id used to sign in to Manage. */
  companyId: string;
  publicKey: string;
  privateKey: string;
  /** The integrator's clientId from developer.connectwise.com. */
  clientId: string;
}

interface CwCompany {
  id: number;
  identifier?: string;
  name: string;
  deletedFlag?: boolean;
}

interface CwContact {
  id: number;
  firstName?: string | null;
  lastName?: string | null;
  inactiveFlag?: boolean;
  company?: { id: number; name?: string } | null;
  communicationItems?: Array<{ type?: { name?: string }; value?: string; defaultFlag?: boolean; communicationType?: string }>;
}

const PAGE_SIZE = 1000;

/**
 * ConnectWise Manage (PSA) REST API 3.0: client companies (`/company/companies`) and their contacts
 * (`/company/contacts`), read with `page`/`pageSize` (following the `Link: rel="next"` header), Basic auth
 * `companyId+publicKey:privateKey` and the `clientId` header. The API member needs the Company module's
 * inquire rights on companies and contacts.
 */
export class ConnectWiseConnector implements Connector {
  constructor(
    private readonly credentials: ConnectWiseCredentials,
    private readonly env: ConnectorEnvironment,
  ) {}

  async testConnection(): Promise<ConnectionCheck> {
    const info = await this.get<{ version?: string; isCloud?: boolean }>(`${this.base()}/system/info`);
    await this.get<CwCompany[]>(`${this.base()}/company/companies?pageSize=1&fields=id`);
    return { summary: `Connected to ConnectWise Manage${info.version ? ` ${info.version}` : ''}.` };
  }

  async *listCompanies(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryCompany>> {
    for await (const page of this.pages<CwCompany>(cursor ?? `${this.base()}/company/companies?conditions=${encodeURIComponent('deletedFlag=false')}&fields=id,identifier,name&orderBy=id&pageSize=${PAGE_SIZE}&page=1`)) {
      yield { items: page.items.map((c) => ({ externalId: String(c.id), name: c.name || c.identifier || `Company ${c.id}` })), next: page.next };
    }
  }

  async *listUsers(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser>> {
    for await (const page of this.pages<CwContact>(cursor ?? `${this.base()}/company/contacts?fields=id,firstName,lastName,inactiveFlag,company,communicationItems&orderBy=id&pageSize=${PAGE_SIZE}&page=1`)) {
      yield {
        items: page.items.map((contact) => {
          const emails = (contact.communicationItems ?? []).filter((item) => (item.communicationType ?? item.type?.name ?? '').toLowerCase() === 'email' && item.value);
          const email = (emails.find((item) => item.defaultFlag) ?? emails[0])?.value ?? null;
          const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ').trim();
          return { externalId: String(contact.id), email, name: name || null, active: !contact.inactiveFlag, companyExternalId: contact.company ? String(contact.company.id) : null };
        }),
        next: page.next,
      };
    }
  }

  private async *pages<T>(url: string): AsyncIterable<{ items: T[]; next: string | null }> {
    let next: string | null = url;
    while (next) {
      const response = await this.send(next);
      const items = (await response.json()) as T[];
      next = nextLink(response.headers.get('link')) ?? (items.length >= PAGE_SIZE ? withPage(next, pageOf(next) + 1) : null);
      yield { items, next };
    }
  }

  private base(): string {
    const site = this.credentials.site.trim().replace(/\/+$/, '');
    const origin = /^https?:\/\//i.test(site) ? site : `https://${site}`;
    return `${origin}/v4_6_release/apis/3.0`;
  }

  private async get<T>(url: string): Promise<T> {
    return (await (await this.send(url)).json()) as T;
  }

  private async send(url: string): Promise<Response> {
    const { companyId, publicKey, privateKey, clientId } = this.credentials;
    const authorization = `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`, 'utf8').toString('base64')}`;
    const response = await sendWithRetry(this.env, 'ConnectWise Manage', url, () => ({ headers: { authorization, clientId, accept: 'application/json' } }));
    if (response.ok) return response;
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    const detail = `${body.code ?? `HTTP ${response.status}`}: ${body.message ?? response.statusText}`.slice(0, 300);
    if (response.status === 401) throw new ConnectorError('AUTHENTICATION_FAILED', `ConnectWise Manage refused the API keys: check the company id, public and private key (${detail}).`);
    if (response.status === 403) {
      throw new ConnectorError('PERMISSION_DENIED', `ConnectWise Manage refused access (${detail}). Give the API member’s security role inquire rights on Companies and Contacts.`);
    }
    throw new ConnectorError('UPSTREAM_ERROR', `ConnectWise Manage answered ${response.status} (${detail}).`);
  }
}

function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const match = part.match(/<([^>]+)>\s*;\s*rel="?next"?/i);
    if (match) return match[1]!;
  }
  return null;
}

function pageOf(url: string): number {
  return Number(new URL(url).searchParams.get('page') ?? 1) || 1;
}

function withPage(url: string, page: number): string {
  const next = new URL(url);
  next.searchParams.set('page', String(page));
  return next.toString();
}
