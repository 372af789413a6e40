import { loadConfig, type RosterConfig } from '../../packages/server/src/app/config.js';
import { startRoster, type RunningRoster, type StartOptions } from '../../packages/server/src/app/roster.js';

export interface BenchRoster {
  roster: RunningRoster;
  /** Base URL on 127.0.0.1 (the config binds there; `roster.url` says localhost, which may resolve to ::1). */
  baseUrl: string;
  /** SQL statements Roster has run since the last reset (for "same number of queries" checks). */
  sqlCount(): number;
  /** The SQL statements Roster has run since the last reset (at most the last 100). */
  sqlStatements(): string[];
  resetSqlCount(): void;
}

/** Starts Roster in this process against a MySQL/MariaDB URL, on a random port, quiet, without the demo seed. */
export async function startBenchRoster(databaseUrl: string, overrides: Partial<RosterConfig> = {}): Promise<BenchRoster> {
  let count = 0;
  let statements: string[] = [];
  const sqlLogger: NonNullable<StartOptions['sqlLogger']> = {
    logQuery: (sql: string) => {
      count++;
      if (statements.length < 100) statements.push(sql);
    },
    logQueryError: () => {},
    logQuerySlow: () => {},
    logSchemaBuild: () => {},
    logMigration: () => {},
    log: () => {},
  };
  const config: RosterConfig = {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ROSTER_SEED_DEMO: 'false', ROSTER_WEB_DIST: '/nonexistent' }),
    database: { kind: 'mysql', url: databaseUrl },
    ...overrides,
  };
  const roster = await startRoster(config, { sqlLogger });
  return {
    roster,
    baseUrl: `http://127.0.0.1:${roster.port}`,
    sqlCount: () => count,
    sqlStatements: () => [...statements],
    resetSqlCount: () => {
      count = 0;
      statements = [];
    },
  };
}

export interface GraphQLResponse<T = any> {
  status: number;
  body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  bytes: number;
  setCookie: string[];
}

/** One GraphQL POST, the way the dashboard sends it (application/json, which passes Apollo's CSRF check). */
export async function postGraphQL<T = any>(url: string, query: string, options: { cookie?: string; variables?: Record<string, unknown> } = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.cookie ? { cookie: options.cookie } : {}) },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const text = await response.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body, bytes: Buffer.byteLength(text), setCookie: response.headers.getSetCookie() };
}

/** Signs in through Roster's GraphQL API and returns the `roster_session=...` pair to send as the Cookie header. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<{ cookie: string; role: string }> {
  const result = await postGraphQL<{ signIn: { viewer: { role: string } } }>(
    `${baseUrl}/graphql`,
    'mutation SignIn($email: String!, $password: String!) { signIn(input: { email: $email, password: $password }) { viewer { role } } }',
    { variables: { email, password } },
  );
  if (result.status !== 200 || result.body.errors || !result.body.data) {
    throw new Error(`Sign-in as ${email} failed (${result.status}): ${JSON.stringify(result.body.errors ?? result.body)}`);
  }
  const cookie = result.setCookie.map((header) => header.split(';')[0]!).find((pair) => pair.startsWith('roster_session=') && pair.length > 'roster_session='.length);
  if (!cookie) throw new Error(`Sign-in as ${email} set no roster_session cookie (Set-Cookie: ${JSON.stringify(result.setCookie)})`);
  return { cookie, role: result.body.data.signIn.viewer.role };
}
