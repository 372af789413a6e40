import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHuduCompany {
  id: number;
  name: string;
  archived: boolean;
}

export interface FakeHuduPassword {
  id: number;
  company_id: number;
  name: string;
  username: string | null;
  password: string;
  otp_secret: string | null;
  url: string | null;
  description: string | null;
  archived: boolean;
}

/**
 * A local Hudu API v1 (a customer's own server): the `x-api-key` header (401 without the right one), `/api/v1/api_info`,
 * `/api/v1/companies` and `/api/v1/asset_passwords` (values and OTP secrets included, `company_id` filter) paged by `page`
 * (1-based) and `page_size` (25 when absent, at most `maxPageSize`), sorted by id, with nothing saying which page is the
 * last: a page past the end is empty. `throttleNext` answers 429 with a Retry-After.
 */
export class FakeHudu {
  companies: FakeHuduCompany[] = [];
  passwords: FakeHuduPassword[] = [];
  maxPageSize = 1000;
  readonly requests: Array<{ path: string; status: number }> = [];
  private throttles: number[] = [];
  private nextId = 700;
  private server: http.Server | null = null;
  url = '';

  constructor(readonly apiKey = 'hudu-fake-api-key-Do-Not-Leak') {}

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

  addCompany(name: string, archived = false): FakeHuduCompany {
    const company = { id: this.nextId++, name, archived };
    this.companies.push(company);
    return company;
  }

  addPassword(company: FakeHuduCompany, name: string, password: string, extra: Partial<FakeHuduPassword> = {}): FakeHuduPassword {
    const item: FakeHuduPassword = {
      id: this.nextId++,
      company_id: company.id,
      name,
      username: null,
      password,
      otp_secret: null,
      url: null,
      description: null,
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
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-api-key'] !== this.apiKey) return send(401, { error: 'Invalid API key' });
    const throttle = this.throttles.shift();
    if (throttle !== undefined) return send(429, { error: 'Rate limit exceeded' }, { 'retry-after': String(throttle) });
    if (url.pathname === '/api/v1/api_info') return send(200, { version: '2.34.1', date: '2026-11-01' });
    if (url.pathname === '/api/v1/companies')
      return send(200, {
        companies: this.page(url, this.companies).map((c) => ({ id: c.id, name: c.name, archived: c.archived, nickname: null })),
      });
    if (url.pathname === '/api/v1/asset_passwords') {
      const companyId = url.searchParams.get('company_id');
      const rows = companyId ? this.passwords.filter((p) => String(p.company_id) === companyId) : this.passwords;
      return send(200, {
        asset_passwords: this.page(url, rows).map((p) => ({ ...p, passwordable_type: null, password_folder_id: null, in_portal: false })),
      });
    }
    return send(404, { error: 'Not found' });
  }

  private page<T extends { id: number }>(url: URL, rows: T[]): T[] {
    const size = Math.min(Number(url.searchParams.get('page_size') ?? 25) || 25, this.maxPageSize);
    const number = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    return [...rows].sort((a, b) => a.id - b.id).slice((number - 1) * size, number * size);
  }
}
