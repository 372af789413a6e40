import type {
  PsaType,
  ConnectionCheck,
  Connector,
  ConnectorEnvironment,
  DirectoryCompany,
  DirectoryPage,
  DirectoryPassword,
  DirectoryUser,
} from '../connector.js';
import { ConnectorError } from '../connector.js';
import { answered, readJson, sameOriginLink, sendWithRetry } from '../http.js';

export interface ItGlueCredentials {
  /** US, EU or AU (IT Glue's data centres), or the https:// origin of the API (a proxy; tests). */
  region: string;
  apiKey: string;
}

/** IT Glue's API hosts per data centre. */
export const IT_GLUE_REGIONS: Readonly<Record<string, string>> = {
  US: 'https://api.itglue.com',
  EU: 'https://api.eu.itglue.com',
  AU: 'https://api.au.itglue.com',
};

/** Where the API lives for a region setting: a known region's host, or a full origin given instead. */
export function itGlueApiBase(rawRegion: string): string {
  const region = rawRegion.trim();
  const known = IT_GLUE_REGIONS[region.toUpperCase() || 'US'];
  if (known) return known;
  return region.replace(/\/+$/, '');
}

/**
 * The PSA id an organization carries and which PSA it is from (IT Glue's psa-integration): when IT Glue names a PSA Roster
 * does not sync (Kaseya BMS, Halo...), the id is not used, since it could equal a ConnectWise or Autotask company's.
 */
function psaOf(attributes: OrganizationAttributes): { psaId: string | null; psaType: PsaType | null } {
  const psaId = attributes['psa-id'] ? String(attributes['psa-id']) : null;
  const integration = (attributes['psa-integration'] ?? '').toLowerCase();
  if (!psaId || !integration) return { psaId, psaType: null };
  if (integration.includes('autotask')) return { psaId, psaType: 'AUTOTASK' };
  if (integration.includes('manage') || integration.includes('connectwise')) return { psaId, psaType: 'CONNECTWISE' };
  return { psaId: null, psaType: null };
}

interface Resource<A> {
  id: string;
  type: string;
  attributes: A;
}

interface Document<A> {
  data: Array<Resource<A>>;
  links?: { next?: string | null };
  meta?: { 'total-count'?: number };
}

interface OrganizationAttributes {
  name: string;
  /** The PSA's id for the organization when IT Glue syncs it from a PSA (ConnectWise Manage, Autotask...). */
  'psa-id'?: string | null;
  'psa-integration'?: string | null;
}

interface ContactAttributes {
  'organization-id': number | string;
  'first-name'?: string | null;
  'last-name'?: string | null;
  'contact-emails'?: Array<{ value?: string; primary?: boolean }>;
}

interface PasswordAttributes {
  'organization-id': number | string | null;
  name: string;
  username?: string | null;
  url?: string | null;
  notes?: string | null;
  archived?: boolean;
  /** Only on the single read with show_password=true: the list omits it. */
  password?: string | null;
}

/** IT Glue's largest page. */
const PAGE_SIZE = 1000;
const VENDOR = 'IT Glue';

/**
 * IT Glue (documentation) REST API, JSON:API: organizations, contacts and passwords, paged with `page[size]` and
 * `page[number]` and followed by `links.next`, authenticated by the `x-api-key` header. The password list omits the
 * values; each is read on its own with `show_password=true`, which needs the key's Password Access.
 */
export class ItGlueConnector implements Connector {
  constructor(
    private readonly credentials: ItGlueCredentials,
    private readonly env: ConnectorEnvironment,
    private readonly pageSize = PAGE_SIZE,
  ) {}

  async testConnection(): Promise<ConnectionCheck> {
    const first = await this.get<Document<OrganizationAttributes>>(`${this.base()}/organizations?page[size]=1&page[number]=1`);
    const count = first.meta?.['total-count'];
    return { summary: `Connected to IT Glue${count !== undefined ? ` (${count} organization${count === 1 ? '' : 's'})` : ''}.` };
  }

  async *listCompanies(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryCompany>> {
    for await (const page of this.pages<OrganizationAttributes>(cursor ?? this.first('organizations'))) {
      yield {
        items: page.items.map((org) => ({
          externalId: org.id,
          name: org.attributes.name || `Organization ${org.id}`,
          ...psaOf(org.attributes),
        })),
        next: page.next,
      };
    }
  }

  async *listUsers(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser>> {
    for await (const page of this.pages<ContactAttributes>(cursor ?? this.first('contacts'))) {
      yield {
        items: page.items.map((contact) => {
          const emails = (contact.attributes['contact-emails'] ?? []).filter((e) => e.value);
          const email = (emails.find((e) => e.primary) ?? emails[0])?.value ?? null;
          const name = [contact.attributes['first-name'], contact.attributes['last-name']].filter(Boolean).join(' ').trim();
          return {
            externalId: contact.id,
            email,
            name: name || null,
            active: true,
            companyExternalId: contact.attributes['organization-id'] != null ? String(contact.attributes['organization-id']) : null,
            ...(email ? {} : { noEmailReason: 'The IT Glue contact has no email address.' }),
          };
        }),
        next: page.next,
      };
    }
  }

  /** Passwords not archived in IT Glue, each value read on its own (the list omits it). Held in memory only until sealed. */
  async *listPasswords(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryPassword>> {
    for await (const page of this.pages<PasswordAttributes>(cursor ?? this.first('passwords', '&filter[archived]=false'))) {
      const items: DirectoryPassword[] = [];
      for (const listed of page.items) {
        if (listed.attributes.archived) continue;
        const one = await this.get<{ data: Resource<PasswordAttributes> }>(
          `${this.base()}/passwords/${encodeURIComponent(listed.id)}?show_password=true`,
        );
        const a = one.data.attributes;
        items.push({
          externalId: listed.id,
          companyExternalId: a['organization-id'] != null ? String(a['organization-id']) : null,
          name: a.name,
          username: a.username ?? null,
          password: a.password ?? '',
          url: a.url ?? null,
          notes: a.notes ?? null,
        });
      }
      yield { items, next: page.next };
    }
  }

  private first(resource: string, extra = ''): string {
    return `${this.base()}/${resource}?page[size]=${this.pageSize}&page[number]=1&sort=id${extra}`;
  }

  private async *pages<A>(url: string): AsyncIterable<{ items: Array<Resource<A>>; next: string | null }> {
    // A resumed run's cursor was saved for the region as it was then: it too must be on that server.
    let next: string | null = sameOriginLink(url, this.base(), VENDOR);
    while (next) {
      const document: Document<A> = await this.get<Document<A>>(next);
      next = document.links?.next ? sameOriginLink(document.links.next, this.base(), VENDOR) : null;
      yield { items: document.data ?? [], next };
    }
  }

  private base(): string {
    return itGlueApiBase(this.credentials.region);
  }

  private async get<T>(url: string): Promise<T> {
    const response = await sendWithRetry(this.env, VENDOR, url, () => ({
      headers: { 'x-api-key': this.credentials.apiKey, accept: 'application/vnd.api+json' },
    }));
    if (response.ok) return readJson<T>(response, VENDOR);
    // Only the status is reported: the body may echo what was sent.
    if (response.status === 401)
      throw new ConnectorError('AUTHENTICATION_FAILED', 'IT Glue refused the API key (401): check the key and its region.');
    if (response.status === 403)
      throw new ConnectorError(
        'PERMISSION_DENIED',
        'IT Glue refused access (403). Passwords need an API key with Password Access (Account → Settings → API Keys).',
      );
    throw new ConnectorError('UPSTREAM_ERROR', `${answered(VENDOR, response.status)}.`);
  }
}
