import type {
  ConnectionCheck,
  Connector,
  ConnectorEnvironment,
  DirectoryCompany,
  DirectoryPage,
  DirectoryPassword,
  DirectoryUser,
} from '../connector.js';
import { ConnectorError } from '../connector.js';
import { answered, pageOf, readJson, sameOriginLink, sendWithRetry, withPage } from '../http.js';

export interface HuduCredentials {
  /** The customer's own Hudu address, e.g. https://docs.example.com (a bare host means https). */
  baseUrl: string;
  apiKey: string;
}

/** Where a Hudu instance's API lives: the address given (https when bare), without a pasted /api/v1. */
export function huduApiBase(rawBaseUrl: string): string {
  const trimmed = rawBaseUrl.trim().replace(/\/+$/, '');
  const origin = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  return `${origin.replace(/\/api\/v1$/i, '').replace(/\/+$/, '')}/api/v1`;
}

interface HuduCompany {
  id: number;
  name?: string | null;
  archived?: boolean | null;
}

interface HuduPassword {
  id: number;
  company_id?: number | null;
  name?: string | null;
  username?: string | null;
  password?: string | null;
  otp_secret?: string | null;
  url?: string | null;
  description?: string | null;
  archived?: boolean | null;
}

/** Asked per page; Hudu's default is 25 and a server may answer fewer than asked. */
const PAGE_SIZE = 100;
const VENDOR = 'Hudu';

/**
 * Hudu (documentation) REST API v1 on the customer's own server: companies and asset passwords (with their values and
 * OTP secrets), authenticated by the `x-api-key` header and read `page` by `page` (1-based, `page_size` asked). Hudu
 * says nothing of a last page, so a listing ends at an empty page or one shorter than the page before it (not at one
 * shorter than asked: a server answering fewer than asked would otherwise end it early, and the vault would take the
 * passwords after it for deleted). Archived companies and passwords are not listed.
 */
export class HuduConnector implements Connector {
  constructor(
    private readonly credentials: HuduCredentials,
    private readonly env: ConnectorEnvironment,
    private readonly pageSize = PAGE_SIZE,
  ) {}

  async testConnection(): Promise<ConnectionCheck> {
    const info = await this.get<{ version?: string }>(`${this.base()}/api_info`);
    // api_info proves the address; a page of companies proves the key may read them.
    await this.get<unknown>(`${this.base()}/companies?page=1&page_size=1`);
    return { summary: `Connected to Hudu${info.version ? ` ${String(info.version).slice(0, 20)}` : ''}.` };
  }

  async *listCompanies(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryCompany>> {
    for await (const page of this.pages<HuduCompany>('companies', cursor)) {
      yield {
        items: page.items
          .filter((company) => !company.archived)
          .map((company) => ({ externalId: String(company.id), name: company.name?.trim() || `Company ${company.id}` })),
        next: page.next,
      };
    }
  }

  /** Hudu keeps no people Roster brings in: companies and passwords only. */
  async *listUsers(): AsyncIterable<DirectoryPage<DirectoryUser>> {
    return;
  }

  /** Asset passwords not archived in Hudu, values included (the list carries them). Held in memory only until sealed. */
  async *listPasswords(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryPassword>> {
    for await (const page of this.pages<HuduPassword>('asset_passwords', cursor)) {
      yield {
        items: page.items
          .filter((item) => !item.archived)
          .map((item) => ({
            externalId: String(item.id),
            companyExternalId: item.company_id != null ? String(item.company_id) : null,
            name: item.name?.trim() || `Password ${item.id}`,
            username: item.username || null,
            password: item.password ?? '',
            url: item.url || null,
            notes: item.description || null,
            totpSecret: item.otp_secret?.trim() || null,
          })),
        next: page.next,
      };
    }
  }

  private async *pages<T>(resource: string, cursor: string | null): AsyncIterable<{ items: T[]; next: string | null }> {
    // A resumed run's cursor was saved for the address as it was then: it too must be on that server.
    let url: string | null = sameOriginLink(cursor ?? `${this.base()}/${resource}?page=1&page_size=${this.pageSize}`, this.base(), VENDOR);
    let previous = 0;
    while (url) {
      const answer: Record<string, T[] | undefined> = await this.get<Record<string, T[] | undefined>>(url);
      const items: T[] = answer[resource] ?? [];
      // The next page, unless this one is empty or shorter than the one before it (see the class comment).
      const last: boolean = items.length === 0 || items.length < previous;
      previous = items.length;
      url = last ? null : withPage(url, pageOf(url) + 1);
      yield { items, next: url };
    }
  }

  private base(): string {
    return huduApiBase(this.credentials.baseUrl);
  }

  private async get<T>(url: string): Promise<T> {
    const response = await sendWithRetry(this.env, VENDOR, url, () => ({
      headers: { 'x-api-key': this.credentials.apiKey, accept: 'application/json' },
    }));
    if (response.ok) return readJson<T>(response, VENDOR);
    // Only the status is reported: the body may echo what was sent.
    if (response.status === 401)
      throw new ConnectorError('AUTHENTICATION_FAILED', 'Hudu refused the API key (401): check the key and the Hudu address.');
    if (response.status === 403)
      throw new ConnectorError(
        'PERMISSION_DENIED',
        'Hudu refused access (403): the API key must not be limited to one company, and needs password access to bring in passwords (Admin → API Keys).',
      );
    throw new ConnectorError(
      'UPSTREAM_ERROR',
      `${answered(VENDOR, response.status)}${response.status === 404 ? '; check the Hudu address' : ''}.`,
    );
  }
}
