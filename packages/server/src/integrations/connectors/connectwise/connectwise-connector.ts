import type { ConnectionCheck, Connector, ConnectorEnvironment, DirectoryCompany, DirectoryPage, DirectoryUser } from '../connector.js';
import { ConnectorError } from '../connector.js';
import { answered, pageOf, readJson, sameOriginLink, sendWithRetry, withPage } from '../http.js';

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
    for await (const page of this.pages<CwCompany>(
      cursor ??
        `${this.base()}/company/companies?conditions=${encodeURIComponent('deletedFlag=false')}&fields=id,identifier,name&orderBy=id&pageSize=${PAGE_SIZE}&page=1`,
    )) {
      yield {
        items: page.items.map((c) => ({ externalId: String(c.id), name: c.name || c.identifier || `Company ${c.id}` })),
        next: page.next,
      };
    }
  }

  async *listUsers(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser>> {
    for await (const page of this.pages<CwContact>(
      cursor ??
        `${this.base()}/company/contacts?fields=id,firstName,lastName,inactiveFlag,company,communicationItems&orderBy=id&pageSize=${PAGE_SIZE}&page=1`,
    )) {
      yield {
        items: page.items.map((contact) => {
          const emails = (contact.communicationItems ?? []).filter(
            (item) => (item.communicationType ?? item.type?.name ?? '').toLowerCase() === 'email' && item.value,
          );
          const email = (emails.find((item) => item.defaultFlag) ?? emails[0])?.value ?? null;
          const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ').trim();
          return {
            externalId: String(contact.id),
            email,
            name: name || null,
            active: !contact.inactiveFlag,
            companyExternalId: contact.company ? String(contact.company.id) : null,
            ...(email ? {} : { noEmailReason: 'The ConnectWise contact has no email communication item.' }),
          };
        }),
        next: page.next,
      };
    }
  }

  private async *pages<T>(url: string): AsyncIterable<{ items: T[]; next: string | null }> {
    // A resumed run's cursor was saved for the site as it was then: it too must be on the site's server.
    let next: string | null = sameOriginLink(url, this.base(), VENDOR);
    while (next) {
      const response = await this.send(next);
      const items = await readJson<T[]>(response, VENDOR);
      const linked = nextLink(response.headers.get('link'));
      next = linked ? sameOriginLink(linked, this.base(), VENDOR) : items.length >= PAGE_SIZE ? withPage(next, pageOf(next) + 1) : null;
      yield { items, next };
    }
  }

  private base(): string {
    return connectWiseApiBase(this.credentials.site);
  }

  private async get<T>(url: string): Promise<T> {
    return readJson<T>(await this.send(url), VENDOR);
  }

  private async send(url: string): Promise<Response> {
    const { companyId, publicKey, privateKey, clientId } = this.credentials;
    const authorization = `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`, 'utf8').toString('base64')}`;
    const response = await sendWithRetry(this.env, VENDOR, url, () => ({
      headers: { authorization, clientId, accept: 'application/json' },
    }));
    if (response.ok) return response;
    // Only the status is reported: the body may be an internal service's answer, or echo what was sent.
    if (response.status === 401)
      throw new ConnectorError(
        'AUTHENTICATION_FAILED',
        `ConnectWise Manage refused the API keys (401): check the company id, public and private key.`,
      );
    if (response.status === 403) {
      throw new ConnectorError(
        'PERMISSION_DENIED',
        `ConnectWise Manage refused access (403). Give the API member’s security role inquire rights on Companies and Contacts.`,
      );
    }
    throw new ConnectorError(
      'UPSTREAM_ERROR',
      `${answered(VENDOR, response.status)}${response.status === 400 ? '; a missing or wrong client id is refused this way' : ''}.`,
    );
  }
}

const VENDOR = 'ConnectWise Manage';

/** Where a site's API lives: a bare host means https; an on-premise server may give its full origin. */
export function connectWiseApiBase(rawSite: string): string {
  const site = rawSite.trim().replace(/\/+$/, '');
  const origin = /^https?:\/\//i.test(site) ? site : `https://${site}`;
  return `${origin}/v4_6_release/apis/3.0`;
}

function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const match = part.match(/<([^>]+)>\s*;\s*rel="?next"?/i);
    if (match) return match[1]!;
  }
  return null;
}
