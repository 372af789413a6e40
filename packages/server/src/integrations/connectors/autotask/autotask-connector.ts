import type { ConnectionCheck, Connector, ConnectorEnvironment, DirectoryCompany, DirectoryPage, DirectoryUser } from '../connector.js';
import { ConnectorError } from '../connector.js';
import { answered, readJson, sameOriginLink, sendWithRetry } from '../http.js';

export interface AutotaskCredentials {
  /** The API user's user name (an email-like name): it also picks the zone. */
  username: string;
  secret: string;
  /** The API tracking identifier of the integration (Autotask's ApiIntegrationCode). */
  integrationCode: string;
  /** Which company types to bring in: names or numbers, comma separated; Customer when empty. */
  companyTypes?: string;
}

/** Where zone discovery is asked when configuration says nothing else. */
export const AUTOTASK_ZONE_DISCOVERY_URL = 'https://webservices.autotask.net';

/** Autotask's company types (the companyType picklist). */
export const AUTOTASK_COMPANY_TYPES: Readonly<Record<string, number>> = {
  customer: 1,
  lead: 2,
  prospect: 3,
  dead: 4,
  cancellation: 6,
  vendor: 7,
  partner: 8,
};

/** The company type numbers a setting names (Customer when empty); a word Autotask does not know is refused, naming it. */
export function autotaskCompanyTypes(raw: string | undefined): number[] {
  const words = (raw ?? '')
    .split(/[,;\s]+/)
    .map((word) => word.trim().toLowerCase())
    .filter(Boolean);
  if (words.length === 0) return [AUTOTASK_COMPANY_TYPES.customer!];
  const types = words.map((word) => {
    const type = /^\d{1,3}$/.test(word) ? Number(word) : AUTOTASK_COMPANY_TYPES[word === 'cancelation' ? 'cancellation' : word];
    if (!type)
      throw new ConnectorError(
        'UPSTREAM_ERROR',
        `Company types: "${word.slice(0, 40)}" is not an Autotask company type; use Customer, Lead, Prospect, Dead, Cancellation, Vendor or Partner (or their numbers).`,
      );
    return type;
  });
  return [...new Set(types)];
}

/** The zone discovery endpoint for a user name, on the configured discovery host. */
export function autotaskZoneInformationUrl(discoveryBase: string | undefined, username: string): string {
  const base = (discoveryBase || AUTOTASK_ZONE_DISCOVERY_URL).replace(/\/+$/, '');
  return `${base}/atservicesrest/v1.0/zoneInformation?user=${encodeURIComponent(username.trim())}`;
}

interface Zone {
  zoneName?: string;
  /** The zone's REST base URL, e.g. https://webservices2.autotask.net/atservicesrest/ */
  url?: string;
}

interface QueryPage<T> {
  items?: T[];
  pageDetails?: { count?: number; nextPageUrl?: string | null };
}

interface AtCompany {
  id: number;
  companyName?: string | null;
}

interface AtContact {
  id: number;
  companyID?: number | null;
  firstName?: string | null;
  lastName?: string | null;
  emailAddress?: string | null;
  emailAddress2?: string | null;
  emailAddress3?: string | null;
}

type Filter = Array<{ op: string; field: string; value: unknown }>;

/** Autotask's largest page. */
const PAGE_SIZE = 500;
const VENDOR = 'Autotask';

/**
 * Autotask PSA REST API (v1.0). The account's zone (its REST base URL) is asked of zone discovery by the API user's name;
 * every call to the zone carries the `ApiIntegrationCode`, `UserName` and `Secret` headers (discovery needs none of
 * them, so the secret only goes to the zone). Active companies of the chosen types and active contacts are read with
 * `POST {zone}/V1.0/{Entity}/query` and a JSON filter, 500 a page, following `pageDetails.nextPageUrl`. Contacts are
 * kept when their company is one of those brought in. The API user's security level must allow reading companies and
 * contacts.
 */
export class AutotaskConnector implements Connector {
  private zone: Promise<{ base: string; name: string }> | null = null;
  private selected: Promise<Set<string>> | null = null;

  constructor(
    private readonly credentials: AutotaskCredentials,
    private readonly env: ConnectorEnvironment,
  ) {}

  async testConnection(): Promise<ConnectionCheck> {
    const zone = await this.zoneOf();
    const count = await this.call<{ queryCount?: number }>(`${zone.base}/V1.0/Companies/query/count`, { filter: this.companyFilter() });
    const n = count.queryCount;
    return {
      summary: `Connected to Autotask${zone.name ? ` (${zone.name})` : ''}${n !== undefined ? `: ${n} active compan${n === 1 ? 'y' : 'ies'} of the chosen types` : ''}.`,
    };
  }

  async *listCompanies(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryCompany>> {
    for await (const page of this.pages<AtCompany>('Companies', this.companyFilter(), ['id', 'companyName'], cursor)) {
      yield {
        items: page.items.map((company) => ({
          externalId: String(company.id),
          name: company.companyName?.trim() || `Company ${company.id}`,
        })),
        next: page.next,
      };
    }
  }

  /** Active contacts of the companies brought in (others are outside the chosen company types and not listed). */
  async *listUsers(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser>> {
    const selected = await this.selectedCompanies();
    const fields = ['id', 'companyID', 'firstName', 'lastName', 'emailAddress', 'emailAddress2', 'emailAddress3'];
    for await (const page of this.pages<AtContact>('Contacts', [{ op: 'eq', field: 'isActive', value: 1 }], fields, cursor)) {
      yield {
        items: page.items
          .filter((contact) => contact.companyID != null && selected.has(String(contact.companyID)))
          .map((contact) => {
            const email = [contact.emailAddress, contact.emailAddress2, contact.emailAddress3].map((e) => e?.trim()).find(Boolean) ?? null;
            const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ').trim();
            return {
              externalId: String(contact.id),
              email,
              name: name || null,
              active: true,
              companyExternalId: String(contact.companyID),
              ...(email ? {} : { noEmailReason: 'The Autotask contact has no email address.' }),
            };
          }),
        next: page.next,
      };
    }
  }

  private companyFilter(): Filter {
    return [
      { op: 'eq', field: 'isActive', value: true },
      { op: 'in', field: 'companyType', value: autotaskCompanyTypes(this.credentials.companyTypes) },
    ];
  }

  /** The ids of the companies listCompanies brings in, read once per connector (ids only). */
  private selectedCompanies(): Promise<Set<string>> {
    this.selected ??= (async () => {
      const ids = new Set<string>();
      for await (const page of this.pages<AtCompany>('Companies', this.companyFilter(), ['id'], null))
        for (const company of page.items) ids.add(String(company.id));
      return ids;
    })();
    return this.selected;
  }

  /**
   * A query's pages: the first posted with the filter, the next ones read from `pageDetails.nextPageUrl`, on the zone's
   * server only (the request carries the credentials). A resumed run's cursor from a zone the account has since left
   * starts the listing again (a listing is idempotent).
   */
  private async *pages<T>(
    entity: string,
    filter: Filter,
    includeFields: string[],
    cursor: string | null,
  ): AsyncIterable<{ items: T[]; next: string | null }> {
    const zone = await this.zoneOf();
    const resumable = cursor && sameOrigin(cursor, zone.base) ? cursor : null;
    let page = resumable
      ? await this.call<QueryPage<T>>(resumable)
      : await this.call<QueryPage<T>>(`${zone.base}/V1.0/${entity}/query`, { MaxRecords: PAGE_SIZE, IncludeFields: includeFields, filter });
    for (;;) {
      const link = page.pageDetails?.nextPageUrl;
      const next = link ? sameOriginLink(link, zone.base, VENDOR) : null;
      yield { items: page.items ?? [], next };
      if (!next) return;
      page = await this.call<QueryPage<T>>(next);
    }
  }

  /** The zone's REST base URL, asked once per connector. The answer is Autotask's; every call to it is still guarded. */
  private zoneOf(): Promise<{ base: string; name: string }> {
    this.zone ??= this.discover();
    return this.zone;
  }

  private async discover(): Promise<{ base: string; name: string }> {
    const username = this.credentials.username.trim();
    const url = autotaskZoneInformationUrl(this.env.autotaskZoneDiscoveryUrl, username);
    const response = await sendWithRetry(this.env, VENDOR, url, () => ({ headers: { accept: 'application/json' } }));
    if (response.status === 400 || response.status === 404 || response.status === 500)
      throw new ConnectorError(
        'AUTHENTICATION_FAILED',
        `Autotask's zone discovery knows no API user named "${username.slice(0, 100)}" (${response.status}): check the API user name.`,
      );
    if (!response.ok) throw new ConnectorError('UPSTREAM_ERROR', `${answered(`${VENDOR}'s zone discovery`, response.status)}.`);
    const zone = await readJson<Zone>(response, VENDOR);
    let base: URL;
    try {
      base = new URL(zone.url ?? '');
    } catch {
      throw new ConnectorError('UPSTREAM_ERROR', `${VENDOR}'s zone discovery answered without a usable zone URL.`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw new ConnectorError('UPSTREAM_ERROR', `${VENDOR}'s zone discovery answered without a usable zone URL.`);
    return { base: base.toString().replace(/\/+$/, ''), name: zone.zoneName ?? '' };
  }

  /** One call to the zone: GET, or POST with a JSON body. */
  private async call<T>(url: string, body?: object): Promise<T> {
    const { username, secret, integrationCode } = this.credentials;
    const response = await sendWithRetry(this.env, VENDOR, url, () => ({
      method: body ? 'POST' : 'GET',
      headers: {
        ApiIntegrationCode: integrationCode.trim(),
        UserName: username.trim(),
        Secret: secret,
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }));
    if (response.ok) return readJson<T>(response, VENDOR);
    // Only the status is reported: the body may echo what was sent.
    if (response.status === 401)
      throw new ConnectorError(
        'AUTHENTICATION_FAILED',
        'Autotask refused the API user (401): check the user name, the secret and the API integration code (tracking identifier).',
      );
    if (response.status === 403)
      throw new ConnectorError(
        'PERMISSION_DENIED',
        'Autotask refused access (403): the API user’s security level must allow reading Companies and Contacts.',
      );
    throw new ConnectorError('UPSTREAM_ERROR', `${answered(VENDOR, response.status)}.`);
  }
}

function sameOrigin(link: string, base: string): boolean {
  try {
    return new URL(link).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
