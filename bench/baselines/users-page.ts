import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import mysql from 'mysql2/promise';

/**
 * The "how fast could it be" reference for Roster's Users page: bare graphql-js over node:http and a mysql2
 * pool, reading the same tables with the same SQL plan as Roster and answering with the same JSON.
 *
 * Same work as Roster, per request:
 *  - the session check of SessionService.lookup: one SELECT on sessions LEFT JOIN memberships by the SHA-256
 *    of the cookie token, then the same expiry / MFA / status / role checks (and its renewal, last-seen and
 *    last-activity writes, at most once a minute in steady state);
 *  - users.list: the page (memberships LEFT JOIN people, ORDER BY email, id, LIMIT first + 1) and the
 *    COUNT(*), in parallel; a count of 5,000 or more is reused for 60 s, as Roster's UserCounts does (this
 *    baseline has no writers, so it needs no invalidation);
 *  - the companies of the page in one query and the groups of the page in one query, in parallel.
 * That is 4 SQL statements in steady state (5 when the count is read), like Roster. What it leaves out is the framework: Express, Apollo Server's
 * request pipeline and plugins, TypeGraphQL's resolver wrappers, TypeORM's query builder, DataLoader.
 * Parse + validate are cached per query text (Apollo caches parsed documents too).
 */

const SDL = /* GraphQL */ `
  enum Role {
    ADMIN
    MEMBER
    OWNER
  }
  enum UserStatus {
    ACTIVE
    INVITED
    SUSPENDED
  }
  enum UserSource {
    CSV
    INTEGRATION
    MANUAL
    SCIM
  }
  scalar DateTimeISO
  input PageArgs {
    first: Int
    after: String
    last: Int
    before: String
  }
  type PageInfo {
    endCursor: String
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
  }
  type Company {
    id: ID!
    name: String!
  }
  type Group {
    description: String
    id: ID!
    name: String!
  }
  type User {
    company: Company
    createdAt: DateTimeISO!
    email: String!
    externalId: String
    groups: [Group!]!
    id: ID!
    invitationPending: Boolean!
    isAdministrator: Boolean!
    lastActiveAt: DateTimeISO
    name: String
    role: Role!
    source: UserSource!
    status: UserStatus!
  }
  type UserEdge {
    cursor: String!
    node: User!
  }
  type UserConnection {
    edges: [UserEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }
  type Query {
    users(page: PageArgs): UserConnection!
  }
`;

const SESSION_COOKIE = 'roster_session';
const SESSION_TTL_MS = 12 * 3600 * 1000; // Roster's default SESSION_TTL_HOURS
const ACTIVITY_RESOLUTION_MS = 5 * 60 * 1000;
const LAST_SEEN_RESOLUTION_MS = 60 * 1000;
/** UserCounts' defaults (accounts/user-counts.ts): counts from this size are reused for COUNT_TTL_MS. */
const COUNT_CACHE_FROM = 5_000;
const COUNT_TTL_MS = 60_000;
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 25;

interface Viewer {
  sessionId: string;
  accountId: string;
  membershipId: string;
  role: string;
}

interface Context {
  pool: mysql.Pool;
  token: string | undefined;
  countQuery: () => void;
  counts: Map<string, { n: number; at: number }>;
}

export interface BaselineServer {
  url: string;
  /** SQL statements run since the last reset. */
  sqlCount(): number;
  resetSqlCount(): void;
  close(): Promise<void>;
}

export async function startUsersPageBaseline(databaseUrl: string): Promise<BaselineServer> {
  // The pool settings of Roster's DataSource (app/db/data-source.ts); TypeORM also uses the text protocol (query, not execute).
  const pool = mysql.createPool({
    uri: databaseUrl,
    connectionLimit: 20,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    supportBigNumbers: true,
  });
  const schema = buildSchema(SDL);
  const rootValue = { users: resolveUsers };
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  let sqlCount = 0;
  const countQuery = () => void sqlCount++;
  const counts = new Map<string, { n: number; at: number }>();

  const prepare = (query: string): DocumentNode | readonly GraphQLError[] => {
    let cached = documents.get(query);
    if (!cached) {
      try {
        const document = parse(query);
        const errors = validate(schema, document);
        cached = errors.length > 0 ? errors : document;
      } catch (error) {
        cached = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
      }
      if (documents.size < 1000) documents.set(query, cached);
    }
    return cached;
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    };
    if (req.method !== 'POST' || req.url !== '/graphql') return send(404, { errors: [{ message: 'POST /graphql only' }] });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let request: { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { errors: [{ message: 'The body is not JSON.' }] });
      }
      if (typeof request.query !== 'string') return send(400, { errors: [{ message: 'No query.' }] });
      const document = prepare(request.query);
      if (Array.isArray(document)) return send(400, { errors: document.map((error) => error.toJSON()) });
      const contextValue: Context = { pool, token: readCookie(req.headers.cookie, SESSION_COOKIE), countQuery, counts };
      Promise.resolve(
        execute({
          schema,
          document: document as DocumentNode,
          rootValue,
          contextValue,
          variableValues: request.variables,
          operationName: request.operationName,
        }),
      ).then(
        (result: ExecutionResult) =>
          send(200, result.errors ? { errors: result.errors.map((error) => error.toJSON()), data: result.data } : { data: result.data }),
        (error: unknown) => send(500, { errors: [{ message: String(error) }] }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sqlCount: () => sqlCount,
    resetSqlCount: () => void (sqlCount = 0),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

async function query<T>(ctx: Context, sql: string, params: unknown[]): Promise<T[]> {
  ctx.countQuery();
  const [rows] = await ctx.pool.query(sql, params);
  return rows as T[];
}

/** SessionService.lookup + RequestContext.admin(), in plain SQL. */
async function adminViewer(ctx: Context): Promise<Viewer> {
  const token = ctx.token;
  if (!token || token.length > 200) throw coded('Not signed in.', 'UNAUTHENTICATED');
  const rows = await query<Record<string, any>>(
    ctx,
    'SELECT s.id AS session_id, s.person_id AS person_id, s.current_account_id AS account_id, s.expires_at AS expires_at, s.ended_at AS ended_at, ' +
      's.mfa_pending AS mfa_pending, s.last_seen_at AS last_seen_at, m.id AS membership_id, m.role AS role, m.status AS status, m.last_active_at AS last_active_at ' +
      'FROM sessions s LEFT JOIN memberships m ON m.person_id = s.person_id AND m.account_id = s.current_account_id WHERE s.token_hash = ?',
    [createHash('sha256').update(token, 'utf8').digest('hex')],
  );
  const row = rows[0];
  if (!row || row.ended_at) throw coded('Session invalid.', 'UNAUTHENTICATED');
  const now = Date.now();
  const expiresAt = new Date(row.expires_at).getTime();
  if (expiresAt <= now) throw coded('Session expired.', 'UNAUTHENTICATED');
  if (!row.membership_id || row.status !== 'ACTIVE') throw coded('Session invalid.', 'UNAUTHENTICATED');
  if (row.mfa_pending) throw coded('Second factor pending.', 'UNAUTHENTICATED');
  if (expiresAt - now < SESSION_TTL_MS / 2) {
    await query(ctx, 'UPDATE sessions SET expires_at = ?, last_seen_at = ? WHERE id = ?', [
      new Date(now + SESSION_TTL_MS),
      new Date(now),
      row.session_id,
    ]);
  } else if (!row.last_seen_at || now - new Date(row.last_seen_at).getTime() >= LAST_SEEN_RESOLUTION_MS) {
    await query(ctx, 'UPDATE sessions SET last_seen_at = ? WHERE id = ?', [new Date(now), row.session_id]);
  }
  if (!row.last_active_at || now - new Date(row.last_active_at).getTime() >= ACTIVITY_RESOLUTION_MS) {
    await query(ctx, 'UPDATE memberships SET last_active_at = ? WHERE id = ?', [new Date(now), row.membership_id]);
  }
  if (row.role !== 'OWNER' && row.role !== 'ADMIN') throw coded('Your role does not give access to the admin dashboard.', 'FORBIDDEN');
  return { sessionId: row.session_id, accountId: row.account_id, membershipId: row.membership_id, role: row.role };
}

interface UserRow {
  id: string;
  email: string;
  member_name: string | null;
  person_name: string | null;
  job_title: string | null;
  role: string;
  status: string;
  source: string;
  external_id: string | null;
  company_id: string | null;
  last_active_at: Date | null;
  created_at: Date;
}

/** Query.users for the default order (email ascending), forward paging from the start. */
async function resolveUsers(
  args: { page?: { first?: number | null; after?: string | null; last?: number | null; before?: string | null } },
  ctx: Context,
) {
  const { first, after, last, before } = args.page ?? {};
  if (after != null || last != null || before != null)
    throw coded('The baseline only serves the first page (page: { first }).', 'BAD_USER_INPUT');
  if (first != null && (first < 0 || first > MAX_PAGE_SIZE))
    throw coded(`\`first\` must be between 0 and ${MAX_PAGE_SIZE}.`, 'BAD_USER_INPUT');
  const size = first ?? DEFAULT_PAGE_SIZE;
  const viewer = await adminViewer(ctx);
  const accountId = viewer.accountId;

  const [rows, countRows] = await Promise.all([
    size === 0
      ? Promise.resolve([] as UserRow[])
      : query<UserRow>(
          ctx,
          'SELECT m.id AS id, m.email AS email, m.name AS member_name, m.job_title AS job_title, p.name AS person_name, m.role AS role, m.status AS status, ' +
            'm.source AS source, m.external_id AS external_id, m.company_id AS company_id, m.last_active_at AS last_active_at, ' +
            'm.created_at AS created_at, m.email AS sort_key ' +
            'FROM memberships m LEFT JOIN people p ON p.id = m.person_id WHERE m.account_id = ? ORDER BY m.email ASC, m.id ASC LIMIT ?',
          [accountId, size + 1],
        ),
    countUsers(ctx, accountId),
  ]);
  const pageRows = rows.slice(0, size);

  const companyIds = [...new Set(pageRows.map((row) => row.company_id).filter((id): id is string => id !== null))];
  const membershipIds = pageRows.map((row) => row.id);
  const [companies, groupRows] = await Promise.all([
    companyIds.length === 0
      ? Promise.resolve([] as Array<{ id: string; name: string }>)
      : query<{ id: string; name: string }>(ctx, 'SELECT id, name FROM companies WHERE account_id = ? AND id IN (?)', [
          accountId,
          companyIds,
        ]),
    membershipIds.length === 0
      ? Promise.resolve([] as Array<{ membership_id: string; id: string; name: string; description: string | null }>)
      : query<{ membership_id: string; id: string; name: string; description: string | null }>(
          ctx,
          'SELECT gm.membership_id AS membership_id, g.id AS id, g.name AS name, g.description AS description ' +
            'FROM group_members gm INNER JOIN user_groups g ON g.id = gm.group_id WHERE gm.account_id = ? AND gm.membership_id IN (?) ORDER BY g.name',
          [accountId, membershipIds],
        ),
  ]);
  const companyById = new Map(companies.map((company) => [company.id, { id: company.id, name: company.name }]));
  const groupsByMembership = new Map<string, Array<{ id: string; name: string; description: string | null }>>();
  for (const row of groupRows) {
    const list = groupsByMembership.get(row.membership_id) ?? [];
    list.push({ id: row.id, name: row.name, description: row.description });
    groupsByMembership.set(row.membership_id, list);
  }

  const edges = pageRows.map((row) => ({
    cursor: Buffer.from(JSON.stringify(['EMAIL:ASC', row.email, row.id]), 'utf8').toString('base64url'),
    node: {
      id: row.id,
      email: row.email,
      name: row.member_name ?? row.person_name,
      role: row.role,
      status: row.status,
      source: row.source,
      externalId: row.external_id,
      lastActiveAt: row.last_active_at ? new Date(row.last_active_at).toISOString() : null,
      createdAt: new Date(row.created_at).toISOString(),
      isAdministrator: row.role === 'OWNER' || row.role === 'ADMIN',
      invitationPending: row.status === 'INVITED',
      company: row.company_id ? (companyById.get(row.company_id) ?? null) : null,
      groups: groupsByMembership.get(row.id) ?? [],
    },
  }));
  return {
    totalCount: countRows,
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The account's user count, reused like Roster's UserCounts while it is large. */
async function countUsers(ctx: Context, accountId: string): Promise<number> {
  const known = ctx.counts.get(accountId);
  if (known && Date.now() - known.at < COUNT_TTL_MS) return known.n;
  const started = Date.now();
  const rows = await query<{ n: number | string }>(ctx, 'SELECT COUNT(*) AS n FROM memberships m WHERE m.account_id = ?', [accountId]);
  const n = Number(rows[0]?.n ?? 0);
  if (n >= COUNT_CACHE_FROM) ctx.counts.set(accountId, { n, at: started });
  return n;
}

function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
