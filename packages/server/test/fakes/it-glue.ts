import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeItGlueOrganization {
  id: number;
  name: string;
  psaId: string | null;
  psaIntegration: string | null;
}

export interface FakeItGlueContact {
  id: number;
  organizationId: number;
  firstName: string;
  lastName: string;
  emails: Array<{ value: string; primary: boolean; labelName: string }>;
}

export interface FakeItGluePassword {
  id: number;
  organizationId: number;
  name: string;
  username: string | null;
  password: string;
  url: string | null;
  notes: string | null;
  archived: boolean;
}

/**
 * A local IT Glue API (JSON:API, `application/vnd.api+json`): the `x-api-key` header (401 without the right one),
 * `/organizations`, `/contacts` and `/passwords` paged by `page[size]` (at most 1000) and `page[number]` (1-based),
 * with `links.next` (absent on the last page) and `meta` (current-page, next-page, total-pages, total-count), sorted by
 * id. The password list leaves the value out (and honours `filter[archived]`); `/passwords/:id?show_password=true`
 * answers it, 403 when the key lacks Password Access. `throttleNext` answers 429 with a Retry-After.
 */
export class FakeItGlue {
  organizations: FakeItGlueOrganization[] = [];
  contacts: FakeItGlueContact[] = [];
  passwords: FakeItGluePassword[] = [];
  maxPageSize = 1000;
  /** False: the key has no Password Access (show_password reads are refused). */
  passwordAccess = true;
  readonly requests: Array<{ path: string; status: number }> = [];
  private throttles: number[] = [];
  private nextId = 5000;
  private server: http.Server | null = null;
  url = '';

  constructor(readonly apiKey = 'ITG.fake-api-key-Do-Not-Leak') {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  throttleNext(...retryAfterSeconds: number[]): void {
    this.throttles.push(...retryAfterSeconds);
  }

  addOrganization(name: string, psa: { id: string; integration: string } | null = null): FakeItGlueOrganization {
    const org = { id: this.nextId++, name, psaId: psa?.id ?? null, psaIntegration: psa?.integration ?? null };
    this.organizations.push(org);
    return org;
  }

  addContact(org: FakeItGlueOrganization, firstName: string, lastName: string, email: string | null): FakeItGlueContact {
    const contact = {
      id: this.nextId++,
      organizationId: org.id,
      firstName,
      lastName,
      emails: email ? [{ value: email, primary: true, labelName: 'Work' }] : [],
    };
    this.contacts.push(contact);
    return contact;
  }

  addPassword(org: FakeItGlueOrganization, name: string, password: string, extra: Partial<FakeItGluePassword> = {}): FakeItGluePassword {
    const item = {
      id: this.nextId++,
      organizationId: org.id,
      name,
      username: null,
      password,
      url: null,
      notes: null,
      archived: false,
      ...extra,
    };
    this.passwords.push(item);
    return item;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: url.pathname + url.search, status });
      res.writeHead(status, { 'content-type': 'application/vnd.api+json', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, title: string) => send(status, { errors: [{ status: String(status), title }] });
    if (req.headers['x-api-key'] !== this.apiKey) return error(401, 'Unauthorized');
    const throttle = this.throttles.shift();
    if (throttle !== undefined)
      return send(429, { errors: [{ status: '429', title: 'Too Many Requests' }] }, { 'retry-after': String(throttle) });
    const one = url.pathname.match(/^\/passwords\/(\d+)$/);
    if (one) {
      const item = this.passwords.find((p) => p.id === Number(one[1]));
      if (!item) return error(404, 'Record not found');
      const show = url.searchParams.get('show_password') === 'true';
      if (show && !this.passwordAccess) return error(403, 'Forbidden');
      return send(200, { data: this.passwordResource(item, show) });
    }
    if (url.pathname === '/organizations')
      return this.page(url, send, this.organizations, (o) => ({
        id: String(o.id),
        type: 'organizations',
        attributes: { name: o.name, 'psa-id': o.psaId, 'psa-integration': o.psaIntegration, 'organization-status-name': 'Active' },
      }));
    if (url.pathname === '/contacts')
      return this.page(url, send, this.contacts, (c) => ({
        id: String(c.id),
        type: 'contacts',
        attributes: {
          'organization-id': c.organizationId,
          'first-name': c.firstName,
          'last-name': c.lastName,
          'contact-emails': c.emails.map((e) => ({ value: e.value, primary: e.primary, 'label-name': e.labelName })),
        },
      }));
    if (url.pathname === '/passwords') {
      const archived = url.searchParams.get('filter[archived]');
      const rows = archived === null ? this.passwords : this.passwords.filter((p) => String(p.archived) === archived);
      return this.page(url, send, rows, (p) => this.passwordResource(p, false));
    }
    return error(404, 'Not found');
  }

  private passwordResource(p: FakeItGluePassword, show: boolean) {
    return {
      id: String(p.id),
      type: 'passwords',
      attributes: {
        'organization-id': p.organizationId,
        name: p.name,
        username: p.username,
        url: p.url,
        notes: p.notes,
        archived: p.archived,
        ...(show ? { password: p.password } : {}),
      },
    };
  }

  private page<T extends { id: number }>(
    url: URL,
    send: (status: number, body: unknown) => void,
    rows: T[],
    toResource: (row: T) => unknown,
  ): void {
    const size = Math.min(Number(url.searchParams.get('page[size]') ?? 50) || 50, this.maxPageSize);
    const number = Math.max(1, Number(url.searchParams.get('page[number]') ?? 1) || 1);
    const sorted = [...rows].sort((a, b) => a.id - b.id);
    const totalPages = Math.max(1, Math.ceil(sorted.length / size));
    const slice = sorted.slice((number - 1) * size, number * size);
    const link = (n: number) => {
      const next = new URL(url);
      next.searchParams.set('page[number]', String(n));
      return next.toString();
    };
    send(200, {
      data: slice.map(toResource),
      meta: {
        'current-page': number,
        'next-page': number < totalPages ? number + 1 : null,
        'prev-page': number > 1 ? number - 1 : null,
        'total-pages': totalPages,
        'total-count': sorted.length,
        filters: {},
      },
      links: { self: link(number), first: link(1), ...(number < totalPages ? { next: link(number + 1) } : {}), last: link(totalPages) },
    });
  }
}
