import { randomBytes } from 'node:crypto';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { loadConfig, type RosterConfig } from '../src/core/config.js';
import { startRoster, type RunningRoster, type StartOptions } from '../src/app/roster.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestRoster extends RunningRoster {
  database: TestDatabase;
  /** Number of SQL statements executed since the last reset. */
  queryCount(): number;
  resetQueryCount(): void;
  close(): Promise<void>;
}

/** Boots the real server in process, on a random port, against a throwaway database of the dialect. */
export async function startTestRoster(
  dialect: 'sqlite' | 'mysql',
  overrides: Partial<RosterConfig> = {},
  startOptions: Omit<StartOptions, 'sqlLogger'> = {},
  existing?: TestDatabase,
): Promise<TestRoster> {
  const database = existing ?? (await createTestDatabase(dialect));
  let count = 0;
  const sqlLogger: TypeOrmLogger = {
    logQuery: () => void count++,
    logQueryError: () => {},
    logQuerySlow: () => {},
    logSchemaBuild: () => {},
    logMigration: () => {},
    log: () => {},
  };
  const config: RosterConfig = {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      ROSTER_SEED_DEMO: 'false',
      ROSTER_WEB_DIST: '/nonexistent',
    }),
    database: database.config,
    credentialsKey: randomBytes(32),
    ...overrides,
  };
  const roster = await startRoster(config, { sqlLogger, ...startOptions });
  return {
    ...roster,
    database,
    queryCount: () => count,
    resetQueryCount: () => void (count = 0),
    async close() {
      await roster.stop();
      if (!existing) await database.drop();
    },
  };
}

export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, any>; path?: string[] }>;
  setCookie: string[];
}

/** A GraphQL client over real HTTP that keeps its session cookie like a browser does. */
export class TestClient {
  cookie: string | null = null;

  constructor(private readonly baseUrl: string) {}

  async gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> {
    const response = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const setCookie = response.headers.getSetCookie();
    for (const header of setCookie) {
      const [pair] = header.split(';');
      const value = pair!.slice(pair!.indexOf('=') + 1);
      this.cookie = value ? pair! : null;
    }
    const body = (await response.json()) as { data?: T; errors?: GraphQLResult['errors'] };
    return { status: response.status, data: body.data ?? null, errors: body.errors, setCookie };
  }

  async signIn(email: string, password: string): Promise<GraphQLResult> {
    return this.gql(`mutation($input: SignInInput!) { signIn(input: $input) { viewer { role currentAccount { id name } } } }`, {
      input: { email, password },
    });
  }
}

/** The `extensions.code` of the first error, for terse assertions. */
export function errorCode(result: GraphQLResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}
