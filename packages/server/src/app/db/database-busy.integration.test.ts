import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import { builders } from '../../../test/builders.js';
import { dialects, mariadbReady } from '../../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import type { DatabaseTimeouts } from './data-source.js';

const CHANGE_ROLE =
  'mutation($ids: [ID!]!, $role: Role!) { changeUserRole(input: { userIds: $ids, role: $role }) { results { ok code } } }';
const SMALL_TIMEOUTS: DatabaseTimeouts = { lockWaitSeconds: 1, statementSeconds: 30, poolAcquireSeconds: 2 };

/** Another client of the same database holding a write lock: a row lock on MariaDB, the write lock on SQLite. */
interface Locker {
  lockMembership(id: string): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

async function lockerFor(roster: TestRoster): Promise<Locker> {
  const database = roster.database.config;
  if (database.kind === 'mysql') {
    const connection = await mysql.createConnection(database.url);
    return {
      async lockMembership(id) {
        await connection.query('START TRANSACTION');
        await connection.query('SELECT id FROM memberships WHERE id = ? FOR UPDATE', [id]);
      },
      release: () => connection.query('ROLLBACK').then(() => undefined),
      close: () => connection.end(),
    };
  }
  // SQLite locks the whole file for writing; readers go on (WAL).
  const connection = new Database(database.file);
  return {
    async lockMembership() {
      connection.exec('BEGIN EXCLUSIVE');
    },
    async release() {
      connection.exec('ROLLBACK');
    },
    async close() {
      connection.close();
    },
  };
}

describe.each(dialects)('a locked database answers DATABASE_BUSY and recovers (%s)', (dialect) => {
  let roster: TestRoster;
  let owner: TestClient;
  let targetId: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      { databaseTimeouts: SMALL_TIMEOUTS },
      { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false, runWebhookWorker: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'owner@busy.test', role: Role.OWNER, password: 'pw-owner' });
    targetId = (await build.aUser(account.id, { email: 'member@busy.test' })).id;
    owner = new TestClient(roster.url);
    await owner.signIn('owner@busy.test', 'pw-owner');
  });
  afterAll(() => roster?.close());

  it('while another client holds a write lock on a membership, changing it answers DATABASE_BUSY; reads go on; after the lock, the same change works', async () => {
    const locker = await lockerFor(roster);
    try {
      await locker.lockMembership(targetId);
      const busy = await owner.gql(CHANGE_ROLE, { ids: [targetId], role: 'ADMIN' });
      expect(errorCode(busy)).toBe('DATABASE_BUSY');
      expect(busy.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
      expect(busy.errors?.[0]?.message).toMatch(/nothing was changed/);
      // Requests that do not need the locked row are served meanwhile.
      expect((await owner.gql('{ users { totalCount } }')).data?.users.totalCount).toBe(2);

      await locker.release();
      const done = await owner.gql(CHANGE_ROLE, { ids: [targetId], role: 'ADMIN' });
      expect(done.errors).toBeUndefined();
      expect(done.data?.changeUserRole.results).toEqual([{ ok: true, code: null }]);
    } finally {
      await locker.close();
    }
  });
});

describe.runIf(mariadbReady)('a locked table on MariaDB fills no pool: every request is answered, and all recover', () => {
  let roster: TestRoster;
  let owner: TestClient;
  let scimToken: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      'mysql',
      { databaseTimeouts: SMALL_TIMEOUTS },
      { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false, runWebhookWorker: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'owner@locked.test', role: Role.OWNER, password: 'pw-owner' });
    scimToken = (await build.aScimIntegration(account.id)).token;
    owner = new TestClient(roster.url);
    await owner.signIn('owner@locked.test', 'pw-owner');
  });
  afterAll(() => roster?.close());

  it('gives every pooled connection the configured lock-wait and statement timeouts', async () => {
    const [row] = await Promise.all(
      Array.from({ length: 5 }, () =>
        roster.dataSource.query(
          'SELECT @@SESSION.innodb_lock_wait_timeout AS innodb, @@SESSION.lock_wait_timeout AS metadata, @@SESSION.max_statement_time AS statement',
        ),
      ),
    );
    expect([row[0].innodb, row[0].metadata, row[0].statement].map(Number)).toEqual([1, 1, 30]);
  });

  it('LOCK TABLES memberships WRITE: 40 requests at once (twice the pool) each answer DATABASE_BUSY, REST and SCIM answer 503, anonymous requests go on; after UNLOCK all work', async () => {
    const locker = await mysql.createConnection((roster.database.config as { url: string }).url);
    try {
      await locker.query('LOCK TABLES memberships WRITE');
      // Every signed-in request reads memberships (the session's role): all of them meet the lock.
      const answers = await Promise.all(Array.from({ length: 40 }, () => owner.gql('{ users { totalCount } }')));
      expect(answers.map(errorCode)).toEqual(Array.from({ length: 40 }, () => 'DATABASE_BUSY'));

      const upload = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'x-roster-upload': '1', cookie: owner.cookie! },
        body: 'email\nada@locked.test\n',
      });
      expect(upload.status).toBe(503);
      expect(upload.headers.get('retry-after')).toBe('5');
      expect(((await upload.json()) as any).error.code).toBe('DATABASE_BUSY');

      // An identity provider pushing users is told to come back (Okta and Entra retry a 503), in SCIM's error schema.
      const scim = () =>
        fetch(`${roster.url}/scim/v2/Users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: 'grace@locked.test',
            emails: [{ value: 'grace@locked.test', primary: true }],
            active: true,
          }),
        });
      const refused = await scim();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '503',
        detail: expect.stringMatching(/nothing was changed/),
      });

      const anonymous = await fetch(`${roster.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(((await anonymous.json()) as any).data).toEqual({ __typename: 'Query' });

      await locker.query('UNLOCK TABLES');
      const after = await Promise.all(Array.from({ length: 40 }, () => owner.gql('{ users { totalCount } }')));
      expect(after.map((answer) => answer.data?.users.totalCount)).toEqual(Array.from({ length: 40 }, () => 1));

      // The refused push changed nothing: the same push now creates the user (a second one would be a 409).
      expect((await scim()).status).toBe(201);
    } finally {
      await locker.end();
    }
  });
});
