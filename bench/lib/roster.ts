import { loadConfig, type RosterConfig } from '../../packages/server/src/core/config.js';
import { startRoster, type RunningRoster, type StartOptions } from '../../packages/server/src/app/roster.js';
import { statementKind } from './statement-kind.mjs';

export { statementKind };

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

/** Start options passed through to `startRoster` (all but the SQL logger, which this harness owns). */
export interface BenchStartOptions extends Omit<StartOptions, 'sqlLogger'> {
  /** Called with every SQL statement Roster runs (e.g. to tally statements by kind during one phase). */
  onSql?: (sql: string) => void;
}

/**
 * Starts Roster in this process against a MySQL/MariaDB URL, on a random port, quiet, without the demo seed.
 * `options` go to `startRoster` (e.g. `runOutboxWorker: false`, `importRunner: { batchSize }`).
 */
export async function startBenchRoster(
  databaseUrl: string,
  overrides: Partial<RosterConfig> = {},
  options: BenchStartOptions = {},
): Promise<BenchRoster> {
  let count = 0;
  let statements: string[] = [];
  const { onSql, ...startOptions } = options;
  const sqlLogger: NonNullable<StartOptions['sqlLogger']> = {
    logQuery: (sql: string) => {
      count++;
      if (statements.length < 100) statements.push(sql);
      onSql?.(sql);
    },
    logQueryError: () => {},
    logQuerySlow: () => {},
    logSchemaBuild: () => {},
    logMigration: () => {},
    log: () => {},
  };
  const config: RosterConfig = {
    // One session loads the Users page at full speed: its rate limit would turn the measure into one of 429s.
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      ROSTER_SEED_DEMO: 'false',
      ROSTER_WEB_DIST: '/nonexistent',
      RATE_LIMIT_PER_SESSION: '1000000',
    }),
    database: { kind: 'mysql', url: databaseUrl },
    ...overrides,
  };
  const roster = await startRoster(config, { ...startOptions, sqlLogger });
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
export async function postGraphQL<T = any>(
  url: string,
  query: string,
  options: { cookie?: string; variables?: Record<string, unknown> } = {},
): Promise<GraphQLResponse<T>> {
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
  const cookie = result.setCookie
    .map((header) => header.split(';')[0]!)
    .find((pair) => pair.startsWith('roster_session=') && pair.length > 'roster_session='.length);
  if (!cookie) throw new Error(`Sign-in as ${email} set no roster_session cookie (Set-Cookie: ${JSON.stringify(result.setCookie)})`);
  return { cookie, role: result.body.data.signIn.viewer.role };
}

/** Counts statements by `statementKind` while `active`. */
export class StatementTally {
  active = false;
  readonly counts = new Map<string, number>();

  readonly onSql = (sql: string): void => {
    if (!this.active) return;
    const kind = statementKind(sql);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  };

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** Kinds, most frequent first. */
  sorted(): Array<[string, number]> {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
  }

  reset(): void {
    this.counts.clear();
  }
}
