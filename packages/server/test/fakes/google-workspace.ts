import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';

export interface FakeGoogleUser {
  id: string;
  primaryEmail: string;
  name: { givenName: string; familyName: string; fullName: string };
  suspended: boolean;
  archived: boolean;
  isAdmin: boolean;
  /** The org unit the user is placed in, e.g. `/Sales/EMEA`; `/` is the top. */
  orgUnitPath: string;
}

export interface FakeGoogleGroup {
  id: string;
  email: string;
  name: string;
  description: string;
  /** Member ids: users in `users`, or other groups (nested, answered with type GROUP). */
  members: string[];
}

export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
];

/**
 * A local Google OAuth 2.0 token endpoint + Admin SDK Directory API v1 that answers as Google documents:
 * - `POST /token` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`: the assertion's RS256 signature
 *   is verified with the public half of the key pair made here (`serviceAccountKey()` hands out the private
 *   half as a JSON key file); `iss` must be the service account, `aud` the token URL, `exp` in the future and at
 *   most an hour after `iat`, `scope` within the delegated scopes. A bad signature is 400 `invalid_grant`
 *   ("Invalid JWT Signature."), an unknown subject 400 `invalid_grant`, scopes not delegated 401
 *   `unauthorized_client`;
 * - `GET /admin/directory/v1/users?customer=`, `/groups?customer=`, `/groups/{key}/members` with `maxResults`
 *   and an opaque `pageToken`/`nextPageToken`; a subject who is not an admin gets 403 "Not Authorized to
 *   access this resource/api"; an unknown customer 400 `badRequest` on users and 404 on groups; neither
 *   `customer` nor `domain` 400 `badRequest`;
 * - `domain=` instead of `customer=` lists only that domain's users (by primary email) or groups (by email); a
 *   domain that is not one of the customer's is 403 "Not Authorized to access this resource/api";
 * - users.list `query` (Search for users): clauses separated by spaces, values quoted with `'` (a quote escaped
 *   as `\'`); `orgUnitPath=` matches the unit and every unit under it ("matches all org unit chains under the
 *   target"), an unknown unit is 400 "Invalid Input: INVALID_OU_ID"; other fields are not modelled (400);
 * - access tokens stop working after `expireTokens()` (401 `UNAUTHENTICATED`, as an expired one does);
 * - scripted throttling: 429 `rateLimitExceeded` (optionally with Retry-After), or 403 `rateLimitExceeded` /
 *   `userRateLimitExceeded`.
 */
export class FakeGoogleWorkspace {
  users: FakeGoogleUser[] = [];
  groups: FakeGoogleGroup[] = [];
  /** Scopes delegated to the service account in the Admin console; anything else asked is unauthorized_client. */
  delegatedScopes: string[] = [...GOOGLE_SCOPES];
  customerId = 'C03az79cb';
  /** The customer's domains; seeding users in a domain adds it. */
  domains: string[] = ['example.test'];
  /** The customer's org units by full path; `addOrgUnit` adds one with its parents. */
  orgUnits: string[] = ['/'];
  maxPageSize = 500;
  readonly clientEmail = 'roster-sync@roster-test.iam.gserviceaccount.com';
  readonly requests: Array<{ method: string; path: string; status: number; query: URLSearchParams }> = [];
  /** Claims of every assertion the token endpoint accepted or refused after verifying it. */
  readonly assertions: Array<Record<string, unknown>> = [];
  private throttles: Array<{ status: 429 | 403; reason: string; retryAfter?: number }> = [];
  private readonly tokens = new Map<string, string>();
  private readonly keys: { publicKey: KeyObject; privateKey: KeyObject };
  private server: http.Server | null = null;
  private seeded = 0;
  url = '';

  constructor() {
    this.keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  /** The service account's JSON key file, as the Google Cloud console downloads it. */
  serviceAccountKey(privateKey: KeyObject = this.keys.privateKey): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: 'roster-test',
      private_key_id: 'f1e2d3c4b5a6',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: this.clientEmail,
      client_id: '104857600000000000001',
      token_uri: 'https://oauth2.googleapis.com/token',
    });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next Directory calls are throttled, one call each; `retryAfter` (seconds) is sent as Retry-After. */
  throttleNext(...throttles: Array<{ status: 429 | 403; reason: string; retryAfter?: number }>): void {
    this.throttles.push(...throttles);
  }

  /** An org unit (and its parents), as made in the Admin console under Directory → Organizational units. */
  addOrgUnit(path: string): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const unit = `/${parts.slice(0, i).join('/')}`;
      if (!this.orgUnits.includes(unit)) this.orgUnits.push(unit);
    }
  }

  /** Every access token issued so far stops working, as when its hour is up while the client still holds it. */
  expireTokens(): void {
    this.tokens.clear();
  }

  seedUsers(count: number, domain = 'example.test', isAdmin = false, orgUnitPath = '/'): FakeGoogleUser[] {
    if (!this.domains.includes(domain)) this.domains.push(domain);
    this.addOrgUnit(orgUnitPath);
    const made = Array.from({ length: count }, () => {
      const n = String(++this.seeded).padStart(4, '0');
      return {
        id: `1${randomBytes(4).readUInt32BE().toString().padStart(10, '0')}${n}`,
        primaryEmail: `user${n}@${domain}`,
        name: { givenName: 'User', familyName: n, fullName: `User ${n}` },
        suspended: false,
        archived: false,
        isAdmin,
        orgUnitPath,
      };
    });
    this.users.push(...made);
    return made;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status, query: url.searchParams });
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const apiError = (code: number, message: string, reason: string, domain = 'global', headers: Record<string, string> = {}) =>
      reply(code, { error: { code, message, errors: [{ message, domain, reason }] } }, headers);

    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return reply(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + form.get('grant_type') });
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(form.get('assertion') ?? '', this.keys.publicKey, { algorithms: ['RS256'] }));
      } catch {
        return reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      }
      this.assertions.push(claims);
      const now = Math.floor(Date.now() / 1000);
      if (claims.iss !== this.clientEmail)
        return reply(401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      if (claims.aud !== this.tokenUrl)
        return reply(400, {
          error: 'invalid_grant',
          error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
        });
      if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp <= now || claims.exp - claims.iat > 3600)
        return reply(400, {
          error: 'invalid_grant',
          error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
        });
      const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      if (scopes.length === 0 || scopes.some((s) => !this.delegatedScopes.includes(s)))
        return reply(401, {
          error: 'unauthorized_client',
          error_description:
            'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
        });
      const subject = this.users.find((u) => u.primaryEmail === claims.sub);
      if (!subject) return reply(400, { error: 'invalid_grant', error_description: 'Invalid email or User ID' });
      const token = `ya29.${randomBytes(24).toString('base64url')}`;
      this.tokens.set(token, subject.primaryEmail);
      return reply(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }

    const prefix = '/admin/directory/v1';
    if (!url.pathname.startsWith(prefix + '/')) return apiError(404, 'Not Found', 'notFound');
    const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    const actor = bearer ? this.tokens.get(bearer) : undefined;
    if (!actor)
      return reply(401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          errors: [{ reason: 'authError', domain: 'global' }],
          status: 'UNAUTHENTICATED',
        },
      });
    const throttle = this.throttles.shift();
    if (throttle)
      return apiError(
        throttle.status,
        throttle.status === 429 ? 'Rate Limit Exceeded' : 'Quota exceeded',
        throttle.reason,
        'usageLimits',
        throttle.retryAfter !== undefined ? { 'retry-after': String(throttle.retryAfter) } : {},
      );
    if (!this.users.find((u) => u.primaryEmail === actor)?.isAdmin)
      return apiError(403, 'Not Authorized to access this resource/api', 'forbidden');

    const path = url.pathname.slice(prefix.length);
    const customer = url.searchParams.get('customer');
    const domain = url.searchParams.get('domain')?.toLowerCase() ?? null;
    const knownCustomer = customer === 'my_customer' || customer === this.customerId || (customer === null && domain !== null);
    const inDomain = (email: string) => domain === null || email.toLowerCase().endsWith(`@${domain}`);
    if ((path === '/users' || path === '/groups') && customer === null && domain === null)
      return apiError(400, 'Bad Request', 'badRequest');
    if ((path === '/users' || path === '/groups') && domain !== null && !this.domains.includes(domain))
      return apiError(403, 'Not Authorized to access this resource/api', 'forbidden');
    if (path === '/users') {
      if (!knownCustomer) return apiError(400, 'Bad Request', 'badRequest');
      const query = this.userQuery(url.searchParams.get('query'));
      if ('invalid' in query) return apiError(400, `Invalid Input: ${query.invalid}`, 'invalid');
      const users = this.users.filter(
        (u) => inDomain(u.primaryEmail) && (query.orgUnitPath === null || this.underOrgUnit(u.orgUnitPath, query.orgUnitPath)),
      );
      return reply(
        200,
        this.page(
          url,
          'users',
          'admin#directory#users',
          users.map(({ isAdmin: _a, ...u }) => ({ kind: 'admin#directory#user', ...u })),
        ),
      );
    }
    if (path === '/groups') {
      if (!knownCustomer) return apiError(404, 'Resource Not Found: customer', 'notFound');
      const groups = this.groups
        .filter((g) => inDomain(g.email))
        .map(({ members, ...g }) => ({
          kind: 'admin#directory#group',
          ...g,
          directMembersCount: String(members.length),
        }));
      return reply(200, this.page(url, 'groups', 'admin#directory#groups', groups));
    }
    const members = path.match(/^\/groups\/([^/]+)\/members$/);
    if (members) {
      const key = decodeURIComponent(members[1]!);
      const group = this.groups.find((g) => g.id === key || g.email === key);
      if (!group) return apiError(404, 'Resource Not Found: groupKey', 'notFound');
      const list = group.members.map((id) => {
        const user = this.users.find((u) => u.id === id);
        const nested = this.groups.find((g) => g.id === id);
        return {
          kind: 'admin#directory#member',
          id,
          email: user?.primaryEmail ?? nested?.email,
          role: 'MEMBER',
          type: user ? 'USER' : 'GROUP',
          status: user ? 'ACTIVE' : undefined,
        };
      });
      return reply(200, this.page(url, 'members', 'admin#directory#members', list));
    }
    return apiError(404, 'Not Found', 'notFound');
  }

  /** The `query` of users.list, as far as modelled: `orgUnitPath=` clauses only. */
  private userQuery(query: string | null): { orgUnitPath: string | null } | { invalid: string } {
    if (!query?.trim()) return { orgUnitPath: null };
    let orgUnitPath: string | null = null;
    // A clause is field, operator, then a bare word or a '…' value where \' is a quote.
    const clause = /\s*([A-Za-z.]+)(=|:)('((?:\\'|[^'])*)'|\S+)/y;
    let match: RegExpExecArray | null;
    let at = 0;
    while (at < query.length && (match = clause.exec(query))) {
      at = clause.lastIndex;
      const [, field, operator, bare, quoted] = match;
      const value = quoted !== undefined ? quoted.replace(/\\'/g, "'") : bare!;
      if (field !== 'orgUnitPath' || operator !== '=') return { invalid: `${field}${operator}` };
      if (!this.orgUnits.includes(value)) return { invalid: 'INVALID_OU_ID' };
      orgUnitPath = value;
    }
    if (query.slice(at).trim()) return { invalid: 'query' };
    return { orgUnitPath };
  }

  private underOrgUnit(path: string, unit: string): boolean {
    return unit === '/' || path === unit || path.startsWith(`${unit}/`);
  }

  /** One page by `maxResults`, continued by an opaque `nextPageToken` that encodes the offset. */
  private page<T>(url: URL, key: string, kind: string, all: T[]): Record<string, unknown> {
    const size = Math.min(Number(url.searchParams.get('maxResults') ?? 100) || 100, this.maxPageSize);
    const token = url.searchParams.get('pageToken');
    const skip = token
      ? Number(
          Buffer.from(token, 'base64url')
            .toString('utf8')
            .replace(/^offset:/, ''),
        )
      : 0;
    const body: Record<string, unknown> = { kind, etag: `"${randomBytes(6).toString('hex')}"`, [key]: all.slice(skip, skip + size) };
    if (skip + size < all.length) body.nextPageToken = Buffer.from(`offset:${skip + size}`, 'utf8').toString('base64url');
    return body;
  }
}
