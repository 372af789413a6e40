import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAtCompany {
  id: number;
  companyName: string;
  /** 1 Customer, 2 Lead, 3 Prospect, 4 Dead, 6 Cancellation, 7 Vendor, 8 Partner. */
  companyType: number;
  isActive: boolean;
}

export interface FakeAtContact {
  id: number;
  companyID: number;
  firstName: string;
  lastName: string;
  emailAddress: string | null;
  /** 1 active, 0 inactive (an integer on contacts, a boolean on companies, as Autotask has it). */
  isActive: number;
}

type Row = Record<string, unknown> & { id: number };
type Condition = { op: string; field: string; value?: unknown; items?: Condition[] };
interface Search {
  MaxRecords?: number;
  IncludeFields?: string[];
  filter?: Condition[];
  Filter?: Condition[];
}

const ZONE_PATH = '/zone2/atservicesrest';

/**
 * A local Autotask PSA REST API. Zone discovery `GET /atservicesrest/v1.0/zoneInformation?user=` answers the zone's REST
 * base URL (on this server under /zone2, so a connector that skipped discovery finds nothing) for the known API user and
 * 500 for anyone else, as Autotask does. Under the zone, every call needs the `ApiIntegrationCode`, `UserName` and
 * `Secret` headers (401 otherwise). `POST /V1.0/{Companies|Contacts}/query` takes a JSON search (`filter` of eq, noteq,
 * in, exist, and/or conditions; `MaxRecords` up to 500; `IncludeFields`), answers `{ items, pageDetails }` sorted by id
 * with `nextPageUrl` (a GET of `/query/next`) until the last page; `/query/count` answers `{ queryCount }`.
 * `throttleNext` answers 429, with a Retry-After only when given one (Autotask's threshold answers carry none).
 */
export class FakeAutotask {
  companies: FakeAtCompany[] = [];
  contacts: FakeAtContact[] = [];
  maxPageSize = 500;
  readonly requests: Array<{ method: string; path: string; status: number; body: string }> = [];
  private throttles: Array<number | null> = [];
  private nextContactId = 30_000;
  private server: http.Server | null = null;
  url = '';

  constructor(
    readonly username = 'roster-api@northwind.test',
    readonly secret = 'AT-secret-Do-Not-Leak-9$x',
    readonly integrationCode = 'TRACKINGIDENTIFIER123',
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => this.handle(req, body, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next zone calls answer 429, one call each: with this Retry-After in seconds, or none (null). */
  throttleNext(...retryAfterSeconds: Array<number | null>): void {
    this.throttles.push(...retryAfterSeconds);
  }

  addCompany(companyName: string, companyType = 1, isActive = true): FakeAtCompany {
    const company = { id: 175 + this.companies.length * 2, companyName, companyType, isActive };
    this.companies.push(company);
    return company;
  }

  addContact(company: FakeAtCompany, firstName: string, lastName: string, emailAddress: string | null, isActive = 1): FakeAtContact {
    const contact = { id: this.nextContactId++, companyID: company.id, firstName, lastName, emailAddress, isActive };
    this.contacts.push(contact);
    return contact;
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const send = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname + url.search, status, body });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(answer));
    };
    if (url.pathname.toLowerCase() === '/atservicesrest/v1.0/zoneinformation') {
      if (url.searchParams.get('user') !== this.username) return send(500, { errors: ['Zone information could not be determined'] });
      return send(200, { zoneName: 'North America 2', url: `${this.url}${ZONE_PATH}/`, webUrl: 'https://ww2.autotask.net/', ci: 4242 });
    }
    if (!url.pathname.startsWith(`${ZONE_PATH}/V1.0/`)) return send(404, { errors: ['Not found'] });
    const h = req.headers;
    if (h['apiintegrationcode'] !== this.integrationCode || h['username'] !== this.username || h['secret'] !== this.secret)
      return send(401, { errors: ['Unauthorized'] });
    const throttle = this.throttles.shift();
    if (throttle !== undefined)
      return send(429, { errors: ['Request rate exceeded'] }, throttle === null ? {} : { 'retry-after': String(throttle) });
    const match = url.pathname.slice(ZONE_PATH.length).match(/^\/V1\.0\/(Companies|Contacts)\/query(\/count|\/next)?$/);
    if (!match) return send(404, { errors: ['Not found'] });
    const rows = (match[1] === 'Companies' ? [...this.companies] : [...this.contacts]) as unknown as Row[];
    let search: Search;
    let offset = 0;
    try {
      if (match[2] === '/next') {
        search = JSON.parse(url.searchParams.get('search') ?? '{}') as Search;
        offset = (JSON.parse(url.searchParams.get('paging') ?? '{}') as { offset?: number }).offset ?? 0;
      } else if (method === 'POST') search = JSON.parse(body) as Search;
      else search = JSON.parse(url.searchParams.get('search') ?? '{}') as Search;
    } catch {
      return send(500, { errors: ['Invalid JSON'] });
    }
    const filter = search.filter ?? search.Filter ?? [];
    if (filter.length === 0) return send(500, { errors: ['A filter is required'] });
    const matching = rows.filter((row) => filter.every((c) => matches(row, c))).sort((a, b) => a.id - b.id);
    if (match[2] === '/count') return send(200, { queryCount: matching.length });
    const size = Math.min(Math.max(1, search.MaxRecords ?? 500), this.maxPageSize, 500);
    const slice = matching.slice(offset, offset + size).map((row) => pick(row, search.IncludeFields));
    const more = offset + size < matching.length;
    const nextPageUrl = more
      ? `${this.url}${ZONE_PATH}/V1.0/${match[1]}/query/next?paging=${encodeURIComponent(JSON.stringify({ offset: offset + size }))}&search=${encodeURIComponent(JSON.stringify(search))}`
      : null;
    send(200, { items: slice, pageDetails: { count: slice.length, requestCount: size, prevPageUrl: null, nextPageUrl } });
  }
}

function matches(row: Row, condition: Condition): boolean {
  const op = condition.op.toLowerCase();
  if (op === 'and') return (condition.items ?? []).every((c) => matches(row, c));
  if (op === 'or') return (condition.items ?? []).some((c) => matches(row, c));
  const value = Object.entries(row).find(([key]) => key.toLowerCase() === condition.field.toLowerCase())?.[1];
  const same = (a: unknown, b: unknown) =>
    a === b || (typeof a === 'boolean' && Number(a) === b) || (typeof b === 'boolean' && a === Number(b));
  if (op === 'eq') return same(value, condition.value);
  if (op === 'noteq') return !same(value, condition.value);
  if (op === 'in') return Array.isArray(condition.value) && condition.value.some((v) => same(value, v));
  if (op === 'exist') return value !== null && value !== undefined && value !== '';
  if (op === 'notexist') return value === null || value === undefined || value === '';
  throw new Error(`The fake Autotask does not know the operator ${condition.op}`);
}

function pick(row: Row, fields: string[] | undefined): Row {
  if (!fields?.length) return row;
  const wanted = new Set(['id', ...fields.map((f) => f.toLowerCase())]);
  return Object.fromEntries(Object.entries(row).filter(([key]) => wanted.has(key.toLowerCase()))) as Row;
}
