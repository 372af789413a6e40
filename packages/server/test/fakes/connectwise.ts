import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCwCompany {
  id: number;
  identifier: string;
  name: string;
  deletedFlag: boolean;
}

export interface FakeCwContact {
  id: number;
  firstName: string;
  lastName: string;
  inactiveFlag: boolean;
  company: { id: number; identifier: string; name: string } | null;
  communicationItems: Array<{
    id: number;
    type: { id: number; name: string };
    value: string;
    defaultFlag: boolean;
    communicationType: 'Email' | 'Phone' | 'Fax';
  }>;
}

/**
 * A local ConnectWise Manage REST API (3.0) under `/v4_6_release/apis/3.0`: Basic auth
 * `companyId+publicKey:privateKey` and a required `clientId` header (401 / 400 otherwise), `page` (1-based)
 * and `pageSize` (at most 1000) with a `Link` header carrying rel="next" and rel="last", `conditions` limited
 * to `deletedFlag=false`, and `/system/info`. Throttling is scripted: `throttleNext` answers 429 Too Many
 * Requests with a Retry-After in seconds; `inquireRights = false` is an API member whose security role may not
 * inquire on companies and contacts (403).
 */
export class FakeConnectWise {
  companies: FakeCwCompany[] = [];
  contacts: FakeCwContact[] = [];
  maxPageSize = 1000;
  /** False: the API member's security role lacks inquire rights on Companies and Contacts. */
  inquireRights = true;
  readonly requests: Array<{ path: string; status: number; page: number | null }> = [];
  private throttles: number[] = [];
  private nextContactId = 1000;
  private server: http.Server | null = null;
  url = '';

  constructor(
    readonly companyId = 'northwind',
    readonly publicKey = 'pUbLiCkEy123',
    readonly privateKey = 'cw-private-key-Do-Not-Leak',
    readonly clientId = '2b1e5a4c-0000-4000-8000-00000000c11d',
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next API calls answer 429, one call each, with these Retry-After seconds. */
  throttleNext(...retryAfterSeconds: number[]): void {
    this.throttles.push(...retryAfterSeconds);
  }

  addCompany(name: string): FakeCwCompany {
    const company = { id: 250 + this.companies.length, identifier: name.replace(/\W+/g, ''), name, deletedFlag: false };
    this.companies.push(company);
    return company;
  }

  addContact(company: FakeCwCompany | null, firstName: string, lastName: string, email: string | null): FakeCwContact {
    const contact: FakeCwContact = {
      id: this.nextContactId++,
      firstName,
      lastName,
      inactiveFlag: false,
      company: company ? { id: company.id, identifier: company.identifier, name: company.name } : null,
      communicationItems: [
        { id: 1, type: { id: 2, name: 'Direct' }, value: '555-0100', defaultFlag: true, communicationType: 'Phone' },
        ...(email ? [{ id: 2, type: { id: 1, name: 'Email' }, value: email, defaultFlag: true, communicationType: 'Email' as const }] : []),
      ],
    };
    this.contacts.push(contact);
    return contact;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: url.pathname, status, page: url.searchParams.has('page') ? Number(url.searchParams.get('page')) : null });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const prefix = '/v4_6_release/apis/3.0';
    if (!url.pathname.startsWith(prefix)) return reply(404, { code: 'NotFound', message: 'The requested resource does not exist.' });
    const expected = `Basic ${Buffer.from(`${this.companyId}+${this.publicKey}:${this.privateKey}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return reply(401, { code: 'Unauthorized', message: 'Authentication failed.' });
    if (req.headers.clientid !== this.clientId)
      return reply(400, { code: 'InvalidObject', message: 'A valid clientId header is required.' });
    const retryAfter = this.throttles.shift();
    if (retryAfter !== undefined)
      return reply(429, { code: 'TooManyRequests', message: 'Too many requests.' }, { 'retry-after': String(retryAfter) });
    const path = url.pathname.slice(prefix.length);
    if ((path === '/company/companies' || path === '/company/contacts') && !this.inquireRights)
      return reply(403, { code: 'Forbidden', message: 'You do not have access to this resource.' });
    if (path === '/system/info')
      return reply(200, { version: 'v2024.1.12345', isCloud: true, serverTimeZone: 'Eastern Standard Time', cloudRegion: 'NA' });
    if (path === '/company/companies') {
      const conditions = url.searchParams.get('conditions');
      const rows = conditions === 'deletedFlag=false' ? this.companies.filter((c) => !c.deletedFlag) : this.companies;
      return this.page(url, rows, reply);
    }
    if (path === '/company/contacts') return this.page(url, this.contacts, reply);
    return reply(404, { code: 'NotFound', message: `No resource at ${path}.` });
  }

  private page<T>(url: URL, rows: T[], reply: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    const pageSize = Math.min(Number(url.searchParams.get('pageSize') ?? 25) || 25, this.maxPageSize);
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(rows.length / pageSize));
    const link = (n: number) => {
      const target = new URL(url.toString());
      target.searchParams.set('page', String(n));
      return target.toString();
    };
    const links = [...(page < last ? [`<${link(page + 1)}>; rel="next"`] : []), `<${link(last)}>; rel="last"`];
    reply(200, rows.slice((page - 1) * pageSize, page * pageSize), { link: links.join(', ') });
  }
}
