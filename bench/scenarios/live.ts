import { openFileLimits, startChildRoster, type ChildRoster } from '../lib/child-roster.js';
import { databaseCpuCounter, otherProcessesCpuMs } from '../lib/cpu.js';
import { withThrowawayDatabase } from '../lib/mariadb.js';
import { gitRevision } from '../lib/report.js';
import { signIn } from '../lib/roster.js';
import { seedAccount } from '../lib/seed.js';
import { measureBareFloor } from './live/bare-floor.js';
import { CLIENTS_ONE, CLIENTS_TWO, ONLY, PROFILE, REDIS_URL, SERVER_MODE } from './live/config.js';
import { METRICS_TOKEN } from './live/fan-out-metric.js';
import { measure } from './live/measure.js';
import { report } from './live/report.js';
import { sqlPerSocketEvent } from './live/sql-per-socket.js';

/**
 * Live benchmark: how long after an invitee accepts do 5,000 open dashboards (graphql-ws subscribers of
 * userEvents, each with the admin's session cookie) see the ACCEPTED event? First on one Roster instance,
 * then 2,500 across two instances sharing MariaDB and Redis (subscribers on B, mutations through A).
 *
 * Roster runs as child processes (`src/main.ts` under tsx, NODE_ENV=production), so the client sockets
 * of this process do not share the server's event loop or its CPU accounting.
 *
 * The scenario's parts live in ./live/: config.ts (settings, targets, the GraphQL documents), measure.ts (one
 * scenario: control accepts, subscribers, measured repetitions), sql-per-socket.ts (the in-process SQL
 * diagnostic), bare-floor.ts (the same subscribers served by a bare ws server: the machine's floor) and report.ts (the table, the verdicts, bench/results/live.json).
 */

export default async function main(): Promise<void> {
  const limits = openFileLimits();
  console.log(
    `Live benchmark: ACCEPTED events to ${CLIENTS_ONE.toLocaleString('en')} graphql-ws subscribers on one instance, then ${CLIENTS_TWO.toLocaleString('en')} on instance B of two (Redis)`,
  );
  const code = gitRevision();
  console.log(`- code: ${code.commit ?? 'unknown'}${code.serverDirty ? ' + uncommitted changes in packages/server' : ''}`);
  console.log(
    `- open files limit of this process and its Roster children (Node.js raises the soft limit to the hard one): soft ${limits.soft ?? 'unlimited'}, hard ${limits.hard ?? 'unlimited'}`,
  );
  const needed = Math.max(CLIENTS_ONE, CLIENTS_TWO) + 100;
  if (limits.soft !== null && limits.soft < needed) {
    throw new Error(
      `The open files limit (${limits.soft}) is below the ${needed} descriptors ${Math.max(CLIENTS_ONE, CLIENTS_TWO)} sockets need on each side. ` +
        'Node.js already raises its soft limit to the hard one: raise the hard limit (`ulimit -Hn 4096` as root, or LimitNOFILE= in systemd) and rerun.',
    );
  }
  if (ONLY === 'floor') {
    await measureBareFloor(CLIENTS_ONE);
    return;
  }
  await withThrowawayDatabase(async (db) => {
    console.log(
      `- database ${db.name}; Roster runs as child processes (${SERVER_MODE === 'source' ? 'packages/server/src/main.ts under tsx' : 'packages/server/dist/main.js'}, NODE_ENV=production)`,
    );
    const children: ChildRoster[] = [];
    const start = async (name: string, env: Record<string, string>, inspect = false) => {
      const started = Date.now();
      const child = await startChildRoster(name, { DATABASE_URL: db.url, METRICS_TOKEN, ...env }, { mode: SERVER_MODE, inspect });
      children.push(child);
      console.log(
        `- Roster ${name} started (pid ${child.pid}, ${env.REDIS_URL ? 'Redis event bus' : 'in-process event bus'}, ${Date.now() - started} ms)`,
      );
      return child;
    };
    const stopAll = async () => {
      await Promise.all(children.splice(0).map((child) => child.stop()));
    };
    try {
      const dbCpu = await databaseCpuCounter(db.url);
      // "Other" load: everything but this process, mariadbd and the Roster children of the scenario (Redis counts, but it only relays one message per event).
      const other = (servers: ChildRoster[]) => otherProcessesCpuMs([...(dbCpu ? [dbCpu] : []), ...servers.map((server) => server.cpuMs)]);

      // 1. One instance.
      const solo = await start('A', {}, PROFILE === 'one');
      const seeded = await seedAccount(db.url, { users: 1000 });
      const { cookie } = await signIn(solo.baseUrl, seeded.admin.email, seeded.admin.password);
      console.log(`- seeded 1,000 users; signed in as ${seeded.admin.email}; every subscriber sends this session's cookie`);
      const one = await measure('one instance', {
        db,
        mutate: solo,
        listen: solo,
        clients: CLIENTS_ONE,
        cookie,
        dbCpu,
        other: other([solo]),
        profile: PROFILE === 'one',
      });
      await stopAll();
      const floor = await measureBareFloor(CLIENTS_ONE);

      // 2. Two instances sharing MariaDB and Redis: subscribers on B, mutations through A.
      const a = await start('A', { REDIS_URL });
      const b = await start('B', { REDIS_URL }, PROFILE === 'two');
      const two = await measure('two instances', {
        db,
        mutate: a,
        listen: b,
        clients: CLIENTS_TWO,
        cookie,
        dbCpu,
        other: other([a, b]),
        profile: PROFILE === 'two',
      });
      await stopAll();

      // 3. Diagnostic: SQL statements each open socket costs per event (Roster in process, SQL counted).
      const sql = await sqlPerSocketEvent(db, seeded.admin);

      report(one, two, sql, limits, floor);
    } finally {
      await stopAll();
    }
  });
}
