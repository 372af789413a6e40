import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { GraphDeltaState, type ExpiredDeltaAnswer } from './microsoft-graph-delta.js';
import { DEFAULT_PROPERTIES, pick, SELECTABLE, type FakeGraphGroup, type FakeGraphUser } from './microsoft-graph-directory.js';

export type { FakeGraphGroup, FakeGraphUser } from './microsoft-graph-directory.js';

/**
 * A local Microsoft identity platform + Microsoft Graph v1.0 that answers as Microsoft documents:
 * - `POST /{tenant}/oauth2/v2.0/token` (client credentials, form-encoded): `invalid_client` (401, AADSTS7000215)
 *   for a wrong secret, `invalid_request` (400, AADSTS90002) for an unknown tenant;
 * - `GET /v1.0/organization`, `/v1.0/users`, `/v1.0/groups`, `/v1.0/groups/{id}/members` with `$top` paging
 *   and an opaque `$skiptoken` in `@odata.nextLink`; `InvalidAuthenticationToken` (401) for a missing or
 *   unknown bearer token; `Authorization_RequestDenied` (403) while admin consent is missing;
 * - `$select`: only the named properties come back (`@odata.type` of a member too); an unknown one is 400
 *   `BadRequest`; without it a user has Graph's default set, which does not include `accountEnabled`;
 * - tokens expire: `expires_in` is `tokenLifetimeSeconds`, judged by the clock (`Date.now`, so fake timers move
 *   it), and an expired one is 401 `InvalidAuthenticationToken` ("Lifetime validation failed");
 * - scripted throttling: 429 `TooManyRequests` with a `Retry-After` header in seconds;
 * - delta queries, `GET /v1.0/users/delta` and `/v1.0/groups/delta` (microsoft-graph-delta.ts): `$select` (groups may
 *   select `members`), pages by `@odata.nextLink`, the last page carries `@odata.deltaLink`; `$deltatoken=latest` answers
 *   no objects and a deltaLink for "from now on". A round from a deltaLink returns what changed since that link was
 *   issued, compared property by property (selected ones only) and collapsed to the latest state: changed or new objects
 *   whole, removed ones as `{ id, "@removed": { reason } }` (`changed` while in the recycle bin, `deleted` when gone for
 *   good), and for groups `members@delta` with the added members and the removed ones (`@removed`). An expired or unknown
 *   token is answered with `expiredDeltaAnswer` (Microsoft documents 400 `syncStateNotFound`; 410 is also seen).
 *
 * Changing the directory between syncs (tests and `pnpm bench:sync`): edit `users` / `groups` directly or use
 * `updateUser`, `removeUser` (to the recycle bin unless `permanently`), `addMembers`, `removeMembers`, `removeGroup`;
 * `seedUsers(n)` and `seedGroups(n)` (every user in one of n groups) build a directory. The next delta round returns exactly
 * what changed, however it was changed. `expireDeltaTokens()` makes every deltaLink issued so far expired. `requests`
 * logs each answered call with its path and query, so a test can tell a deltaLink round from a full read.
 */
export class FakeMicrosoftGraph {
  users: FakeGraphUser[] = [];
  groups: FakeGraphGroup[] = [];
  /** While false, every Graph call answers 403 as a tenant without admin consent does. */
  consented = true;
  /** Largest page served whatever `$top` asks (Graph's own cap for users is 999). */
  maxPageSize = 999;
  /** Lifetime of the access tokens issued (Microsoft's are about an hour). */
  tokenLifetimeSeconds = 3599;
  /** Ids of users and groups deleted into the recycle bin (their delta `@removed` reason is `changed`). */
  readonly recycleBin = new Set<string>();
  /** What an expired or unknown delta token gets. */
  expiredDeltaAnswer: ExpiredDeltaAnswer = { status: 400, code: 'syncStateNotFound' };
  readonly requests: Array<{ method: string; path: string; query: string; status: number; at: number }> = [];
  /** Bodies of token requests (tests check what was sent, then that it was never echoed elsewhere). */
  readonly tokenRequests: URLSearchParams[] = [];
  private throttles: number[] = [];
  /** Issued access tokens and when each expires (ms since the epoch). */
  private readonly tokens = new Map<string, number>();
  private hangAt: { path: string; remaining: number } | null = null;
  private readonly hanging: http.ServerResponse[] = [];
  private server: http.Server | null = null;
  private readonly delta = new GraphDeltaState();
  /** The users' ids, for answering member types; rebuilt when `users` is replaced or grows or shrinks. */
  private userIdCache: { users: FakeGraphUser[]; length: number; ids: Set<string> } | null = null;
  private seeded = 0;
  private seededGroups = 0;
  url = '';

  constructor(
    readonly tenantId = 'contoso.onmicrosoft.com',
    readonly clientId = '11111111-2222-3333-4444-555555555555',
    readonly clientSecret = 'Xy7Q~fake-graph-secret-value-Do-Not-Leak',
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.releaseHanging();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next Graph calls answer 429 with these Retry-After seconds, one call each. */
  throttleNext(...retryAfterSeconds: number[]): void {
    this.throttles.push(...retryAfterSeconds);
  }

  /** After `okPages` more answers to `path`, the next request to it never gets an answer (a stuck connection). */
  hangAfter(path: string, okPages: number): void {
    this.hangAt = { path, remaining: okPages };
  }

  /** True while a hangAfter has not yet caught its request. */
  get hangPending(): boolean {
    return this.hangAt !== null;
  }

  /** Requests held without an answer (hangAfter), not yet released or given up by the client. */
  get hangingCount(): number {
    return this.hanging.filter((res) => !res.writableEnded && !res.destroyed).length;
  }

  /** Every token issued so far stops working now, as if its hour were up while the client still holds it. */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  /** Every deltaLink issued so far stops working (Graph keeps delta state about seven days); `answer` is what they get. */
  expireDeltaTokens(answer: ExpiredDeltaAnswer = this.expiredDeltaAnswer): void {
    this.expiredDeltaAnswer = answer;
    this.delta.expireAll();
  }

  updateUser(id: string, changes: Partial<Omit<FakeGraphUser, 'id'>>): FakeGraphUser {
    const user = this.users.find((u) => u.id === id);
    if (!user) throw new Error(`No fake Graph user ${id}`);
    return Object.assign(user, changes);
  }

  /** Deletes a user (into the recycle bin unless `permanently`), and takes it out of every group as Entra does. */
  removeUser(id: string, options: { permanently?: boolean } = {}): void {
    this.users = this.users.filter((u) => u.id !== id);
    for (const group of this.groups) group.members = group.members.filter((m) => m !== id);
    if (options.permanently) this.recycleBin.delete(id);
    else this.recycleBin.add(id);
  }

  removeGroup(id: string, options: { permanently?: boolean } = {}): void {
    this.groups = this.groups.filter((g) => g.id !== id);
    if (options.permanently) this.recycleBin.delete(id);
    else this.recycleBin.add(id);
  }

  addMembers(groupId: string, ...memberIds: string[]): void {
    const group = this.group(groupId);
    group.members = [...group.members, ...memberIds.filter((id) => !group.members.includes(id))];
  }

  removeMembers(groupId: string, ...memberIds: string[]): void {
    const group = this.group(groupId);
    group.members = group.members.filter((id) => !memberIds.includes(id));
  }

  /** Adds `count` groups named "Group 0001"...; every current user is put in one of them, in turn. */
  seedGroups(count: number): FakeGraphGroup[] {
    const made = Array.from({ length: count }, () => {
      const n = String(++this.seededGroups).padStart(4, '0');
      return {
        id: `${randomBytes(4).toString('hex')}-0000-4000-9000-${n.padStart(12, '0')}`,
        displayName: `Group ${n}`,
        description: null,
        members: [] as string[],
      };
    });
    this.users.forEach((user, index) => made[index % count]!.members.push(user.id));
    this.groups.push(...made);
    return made;
  }

  private userIds(): Set<string> {
    const cache = this.userIdCache;
    if (cache && cache.users === this.users && cache.length === this.users.length) return cache.ids;
    this.userIdCache = { users: this.users, length: this.users.length, ids: new Set(this.users.map((u) => u.id)) };
    return this.userIdCache.ids;
  }

  private group(id: string): FakeGraphGroup {
    const group = this.groups.find((g) => g.id === id);
    if (!group) throw new Error(`No fake Graph group ${id}`);
    return group;
  }

  /** Ends every stuck request with a 503, as a dropped connection would end. */
  releaseHanging(): void {
    for (const res of this.hanging.splice(0)) {
      if (!res.writableEnded) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'serviceNotAvailable', message: 'Service unavailable' } }));
      }
    }
  }

  /** Adds `count` enabled users named user0001@... (numbered on from the last seeded, so removals never reuse a name). */
  seedUsers(count: number, domain = 'contoso.test'): FakeGraphUser[] {
    const made = Array.from({ length: count }, () => {
      const n = String(++this.seeded).padStart(4, '0');
      return {
        id: `${randomBytes(4).toString('hex')}-0000-4000-8000-${n.padStart(12, '0')}`,
        displayName: `User ${n}`,
        mail: `user${n}@${domain}`,
        userPrincipalName: `user${n}@${domain}`,
        accountEnabled: true,
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
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };

    const tokenPath = url.pathname.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/);
    if (tokenPath && req.method === 'POST') {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      this.tokenRequests.push(form);
      if (decodeURIComponent(tokenPath[1]!) !== this.tenantId) {
        return reply(400, {
          error: 'invalid_request',
          error_description: `AADSTS90002: Tenant '${decodeURIComponent(tokenPath[1]!)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          error_codes: [90002],
        });
      }
      if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== 'https://graph.microsoft.com/.default') {
        return reply(400, {
          error: 'invalid_scope',
          error_description: 'AADSTS1002012: The provided value for scope is not valid.',
          error_codes: [1002012],
        });
      }
      if (form.get('client_id') !== this.clientId) {
        return reply(400, {
          error: 'unauthorized_client',
          error_description: `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`,
          error_codes: [700016],
        });
      }
      if (form.get('client_secret') !== this.clientSecret) {
        return reply(401, {
          error: 'invalid_client',
          error_description:
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" +
            this.clientId +
            "'.",
          error_codes: [7000215],
        });
      }
      const token = randomBytes(24).toString('base64url');
      this.tokens.set(token, Date.now() + this.tokenLifetimeSeconds * 1000);
      return reply(200, {
        token_type: 'Bearer',
        expires_in: this.tokenLifetimeSeconds,
        ext_expires_in: this.tokenLifetimeSeconds,
        access_token: token,
      });
    }

    if (!url.pathname.startsWith('/v1.0/')) return reply(404, { error: { code: 'BadRequest', message: 'Invalid version.' } });
    const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    if (!bearer) return reply(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
    const expiresAt = this.tokens.get(bearer);
    if (expiresAt === undefined)
      return reply(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } });
    if (expiresAt <= Date.now())
      return reply(401, { error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } });
    const retryAfter = this.throttles.shift();
    if (retryAfter !== undefined) {
      return reply(429, { error: { code: 'TooManyRequests', message: 'Too many requests.' } }, { 'retry-after': String(retryAfter) });
    }
    if (!this.consented)
      return reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
    if (this.hangAt && url.pathname === this.hangAt.path) {
      if (this.hangAt.remaining === 0) {
        this.hangAt = null;
        this.hanging.push(res);
        return;
      }
      this.hangAt.remaining--;
    }

    const selected = <T extends object>(type: keyof typeof SELECTABLE, objects: T[]): T[] | null => {
      const raw = url.searchParams.get('$select');
      if (raw === null) return objects.map((o) => pick(o, DEFAULT_PROPERTIES[type]));
      const names = raw.split(',').map((n) => n.trim());
      const unknown = names.find((n) => !(SELECTABLE[type] as readonly string[]).includes(n));
      if (unknown !== undefined) {
        reply(400, {
          error: { code: 'BadRequest', message: `Could not find a property named '${unknown}' on type 'microsoft.graph.${type}'.` },
        });
        return null;
      }
      return objects.map((o) => pick(o, [...names, '@odata.type']));
    };
    if (url.pathname === '/v1.0/organization') {
      const organizations = selected('organization', [
        { id: randomBytes(8).toString('hex'), displayName: 'Contoso', verifiedDomains: [{ name: 'contoso.test' }] },
      ]);
      if (organizations) reply(200, { value: organizations });
      return;
    }
    const deltaOf = url.pathname.match(/^\/v1\.0\/(users|groups)\/(?:microsoft\.graph\.)?delta$/)?.[1] as 'users' | 'groups' | undefined;
    if (deltaOf) {
      const raw = url.searchParams.get('$select');
      const select = raw ? raw.split(',').map((n) => n.trim()) : [];
      const type = deltaOf === 'users' ? 'user' : 'group';
      const allowed: readonly string[] = deltaOf === 'users' ? SELECTABLE.user : [...SELECTABLE.group, 'members'];
      const unknown = select.find((n) => !allowed.includes(n));
      if (unknown !== undefined)
        return reply(400, {
          error: { code: 'BadRequest', message: `Could not find a property named '${unknown}' on type 'microsoft.graph.${type}'.` },
        });
      const body = this.delta.answer(
        deltaOf,
        {
          select: select.length ? select : deltaOf === 'users' ? [...DEFAULT_PROPERTIES.user] : [...SELECTABLE.group, 'members'],
          deltaToken: url.searchParams.get('$deltatoken'),
          skipToken: url.searchParams.get('$skiptoken'),
          pageSize: Math.min(Number(url.searchParams.get('$top') ?? this.maxPageSize) || this.maxPageSize, this.maxPageSize),
          baseUrl: this.url,
        },
        {
          users: this.users as unknown as Array<{ id: string } & Record<string, unknown>>,
          groups: this.groups as unknown as Array<{ id: string; members: string[] } & Record<string, unknown>>,
          userIds: this.userIds(),
          softDeleted: this.recycleBin,
        },
      );
      if (body) return reply(200, body);
      const { status, code } = this.expiredDeltaAnswer;
      return reply(status, {
        error: { code, message: 'The sync state generation is not found. The delta token is expired and data must be synchronized again.' },
      });
    }
    if (url.pathname === '/v1.0/users' || url.pathname === '/v1.0/groups') {
      // The page first, then its properties: a directory of tens of thousands costs a page's work per request.
      const page = this.page<FakeGraphUser | FakeGraphGroup>(url, url.pathname === '/v1.0/users' ? this.users : this.groups);
      const value = selected(
        url.pathname === '/v1.0/users' ? 'user' : 'group',
        (page.value as Array<FakeGraphUser | FakeGraphGroup>).map((o) => ('members' in o ? (({ members: _m, ...g }) => g)(o) : o)),
      );
      if (value) reply(200, { ...page, value });
      return;
    }
    const members = url.pathname.match(/^\/v1\.0\/groups\/([^/]+)\/members$/);
    if (members) {
      const group = this.groups.find((g) => g.id === decodeURIComponent(members[1]!));
      if (!group)
        return reply(404, {
          error: {
            code: 'Request_ResourceNotFound',
            message: `Resource '${members[1]}' does not exist or one of its queried reference-property objects are not present.`,
          },
        });
      const userIds = this.userIds();
      const objects = group.members.map((id) =>
        userIds.has(id) ? { '@odata.type': '#microsoft.graph.user', id } : { '@odata.type': '#microsoft.graph.device', id },
      );
      const selectedMembers = selected('directoryObject', objects);
      if (selectedMembers) reply(200, this.page(url, selectedMembers));
      return;
    }
    return reply(404, { error: { code: 'Request_ResourceNotFound', message: `Resource not found for the segment '${url.pathname}'.` } });
  }

  /** One page by `$top`, continued by an opaque `$skiptoken` that encodes the offset. */
  private page<T>(url: URL, all: T[]): Record<string, unknown> {
    const top = Math.min(Number(url.searchParams.get('$top') ?? 100) || 100, this.maxPageSize);
    const skip = url.searchParams.get('$skiptoken')
      ? Number(Buffer.from(url.searchParams.get('$skiptoken')!, 'base64url').toString('utf8'))
      : 0;
    const value = all.slice(skip, skip + top);
    const body: Record<string, unknown> = {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${url.pathname.split('/')[2]}`,
      value,
    };
    if (skip + top < all.length) {
      const next = new URL(url.toString());
      next.searchParams.set('$skiptoken', Buffer.from(String(skip + top), 'utf8').toString('base64url'));
      body['@odata.nextLink'] = next.toString();
    }
    return body;
  }
}
