import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { openFileLimits, startChildRoster, type ChildRoster } from '../lib/child-roster.js';
import { databaseCpuCounter, mainThreadCpuMs, otherProcessesCpuMs, type CpuCounter } from '../lib/cpu.js';
import { closeLiveClients, FanOutTracker, openLiveClients, percentiles, type LiveClient } from '../lib/live-clients.js';
import { waitForQuietDatabase, withThrowawayDatabase, type ThrowawayDatabase } from '../lib/mariadb.js';
import { printProfileSummary, RemoteCpuProfiler } from '../lib/profile.js';
import { gitRevision, machineInfo, printTable, RESULTS_DIR, writeResult } from '../lib/report.js';
import { postGraphQL, signIn, startBenchRoster, StatementTally } from '../lib/roster.js';
import { seedAccount } from '../lib/seed.js';

/**
 * Live benchmark: how long after an invitee accepts do 1,000 open dashboards (graphql-ws subscribers of
 * userEvents, each with the admin's session cookie) see the ACCEPTED event? First on one Roster instance,
 * then across two instances sharing MariaDB and Redis (subscribers on B, mutations through A).
 *
 * Roster runs as child processes (`src/main.ts` under tsx, NODE_ENV=production), so the 1,000 client sockets
 * of this process do not share the server's event loop or its CPU accounting.
 */

const CLIENTS_ONE = Number(process.env.BENCH_LIVE_CLIENTS ?? 1000);
const CLIENTS_TWO = Number(process.env.BENCH_LIVE_CLIENTS_B ?? 500);
const REPS = Number(process.env.BENCH_LIVE_REPS ?? 20);
const WARMUP_REPS = 2;
/** Accepts run before the subscribers connect: how long the accept takes when nobody listens. */
const CONTROL_REPS = 3;
const SERVER_MODE = (process.env.BENCH_LIVE_SERVER ?? 'source') as 'source' | 'dist';
if (!['source', 'dist'].includes(SERVER_MODE)) throw new Error(`BENCH_LIVE_SERVER must be source or dist, not "${SERVER_MODE}".`);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** BENCH_PROFILE=one|two: CPU-profile the receiving instance during that scenario's measured repetitions. */
const PROFILE = process.env.BENCH_PROFILE ?? '';
if (PROFILE && !['one', 'two'].includes(PROFILE)) throw new Error(`Unknown BENCH_PROFILE="${PROFILE}" (known: one, two).`);
/** Clients of the in-process diagnostic that counts SQL statements per socket per event. */
const DIAGNOSTIC_CLIENTS = 20;
const TARGETS = { oneP99Ms: 100, twoP99Ms: 200 } as const;
const EVENT_TIMEOUT_MS = 60_000;

const SUBSCRIPTION = 'subscription { userEvents { type users { id status invitationPending } } }';
const INVITE =
  'mutation($a: String!) { inviteUsers(input: { addresses: $a, sendEmail: false }) { results { verdict inviteLink user { id } } } }';
const ACCEPT = 'mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { role } } }';

interface Repetition {
  rep: number;
  acceptHttpMs: number;
  /** From the accept's HTTP response to the last client's ACCEPTED event. */
  fanOutFromResponseMs: number;
  /** From sending the accept to the last client's ACCEPTED event. */
  fanOutFromRequestMs: number;
  /** CPU of the receiving instance's main thread during the accept and its fan-out, and of the database. */
  listenerCpuMs: number | null;
  dbCpuMs: number | null;
  otherLoadCores: number | null;
  clientEventLoopBusy: number;
  /** CPU of this process's main thread (the subscribers' sockets, graphql-ws parsing) during the accept and its fan-out. */
  clientCpuMs: number | null;
  missing: number;
}

interface ScenarioResult {
  name: string;
  clients: number;
  instances: number;
  latencyFromResponseMs: ReturnType<typeof percentiles>;
  latencyFromRequestMs: ReturnType<typeof percentiles>;
  /**
   * Arrival minus (request sent + the accept's duration with no subscriber connected): an estimate of the
   * delay from the moment the response would have left, for when the response itself waits for the fan-out.
   */
  latencyFromUnloadedResponseMs: ReturnType<typeof percentiles>;
  /** The accept's HTTP duration with no subscriber connected (CONTROL_REPS runs before the subscribers connect). */
  acceptHttpWithoutSubscribersMs: ReturnType<typeof percentiles>;
  /** True when the accept's response arrived after most ACCEPTED events: the server answered only after the fan-out. */
  responseHeldByFanOut: boolean;
  invitedFromResponseMs: ReturnType<typeof percentiles>;
  acceptHttpMs: ReturnType<typeof percentiles>;
  fanOutFromResponseMs: ReturnType<typeof percentiles>;
  listenerCpuMsPerSocketEvent: number | null;
  dbCpuMsPerSocketEvent: number | null;
  otherLoadCores: number | null;
  clientEventLoopBusy: number;
  /** This process's main-thread CPU per received event: how much of the fan-out the clients themselves take. */
  clientCpuMsPerSocketEvent: number | null;
  missing: number;
  socketErrors: number;
  socketsClosed: number;
  listenerOpenFds: number | null;
  listenerMemory: { rssMb: number; peakRssMb: number } | null;
  listenerMemoryBeforeSubscribers: { rssMb: number; peakRssMb: number } | null;
  repetitions: Repetition[];
}

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
  await withThrowawayDatabase(async (db) => {
    console.log(
      `- database ${db.name}; Roster runs as child processes (${SERVER_MODE === 'source' ? 'packages/server/src/main.ts under tsx' : 'packages/server/dist/main.js'}, NODE_ENV=production)`,
    );
    const children: ChildRoster[] = [];
    const start = async (name: string, env: Record<string, string>, inspect = false) => {
      const started = Date.now();
      const child = await startChildRoster(name, { DATABASE_URL: db.url, ...env }, { mode: SERVER_MODE, inspect });
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

      report(one, two, sql, limits);
    } finally {
      await stopAll();
    }
  });
}

async function measure(
  name: string,
  setup: {
    db: ThrowawayDatabase;
    mutate: ChildRoster;
    listen: ChildRoster;
    clients: number;
    cookie: string;
    dbCpu: CpuCounter | null;
    other: CpuCounter;
    profile: boolean;
  },
): Promise<ScenarioResult> {
  const { db, mutate, listen, clients: count, cookie } = setup;
  const mutateUrl = `${mutate.baseUrl}/graphql`;
  const tag = randomBytes(3).toString('hex');
  const inviteOne = async (email: string) => {
    const invite = await postGraphQL<{
      inviteUsers: { results: Array<{ verdict: string; inviteLink: string | null; user: { id: string } | null }> };
    }>(mutateUrl, INVITE, { cookie, variables: { a: email } });
    const result = invite.body.data?.inviteUsers.results[0];
    if (!result || result.verdict !== 'INVITED' || !result.inviteLink || !result.user)
      throw new Error(`Inviting ${email} failed: ${JSON.stringify(invite.body).slice(0, 500)}`);
    return { userId: result.user.id, token: result.inviteLink.split('/invitations/')[1]! };
  };
  const acceptOne = async (email: string, token: string) => {
    const accept = await postGraphQL(mutateUrl, ACCEPT, {
      variables: { input: { token, name: 'Live Bench', password: 'live-bench-password' } },
    });
    if (accept.status !== 200 || accept.body.errors)
      throw new Error(`Accepting the invitation of ${email} failed (${accept.status}): ${JSON.stringify(accept.body).slice(0, 500)}`);
  };
  // Control: the accept with nobody listening.
  const control: number[] = [];
  for (let i = 0; i < CONTROL_REPS + 1; i++) {
    const email = `live-control-${tag}-${i}@bench-live.test`;
    const { token } = await inviteOne(email);
    await waitForQuietDatabase(db.url, { quietPolls: 2, intervalMs: 50 });
    const sentAt = performance.now();
    await acceptOne(email, token);
    if (i > 0) control.push(performance.now() - sentAt); // the first one warms up
  }
  const acceptHttpWithoutSubscribers = percentiles(control);
  const memoryBefore = listen.memory();
  const tracker = new FanOutTracker(count);
  let connectMs = performance.now();
  const clients = await openLiveClients(count, listen.baseUrl, cookie, SUBSCRIPTION, (index, data, at) => tracker.record(index, data, at));
  connectMs = performance.now() - connectMs;
  const openFds = listen.openFds();
  console.log(`\n[${name}] accept without subscribers: ${control.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(
    `[${name}] ${count} subscribers connected to ${listen.name} in ${(connectMs / 1000).toFixed(1)} s (${openFds ?? '?'} open descriptors in ${listen.name}); mutations through ${mutate.name}; ${WARMUP_REPS} warm-up + ${REPS} measured repetitions`,
  );
  const fromResponse: number[] = [];
  const fromRequest: number[] = [];
  const fromUnloadedResponse: number[] = [];
  const invitedFromResponse: number[] = [];
  const repetitions: Repetition[] = [];
  const profiler = setup.profile ? await RemoteCpuProfiler.connect(listen.inspectorUrl!) : null;
  let memory: ScenarioResult['listenerMemory'] = null;
  let socketErrors = 0;
  let socketsClosed = 0;
  try {
    for (let rep = -WARMUP_REPS; rep < REPS; rep++) {
      if (rep === 0 && profiler) await profiler.start(500);
      // Invite (not measured, but every subscriber must have seen it before the accept).
      const email = `live-${name.replace(/\W+/g, '-')}-${tag}-${rep + WARMUP_REPS}@bench-live.test`;
      const { userId, token } = await inviteOne(email);
      const invitedAt = performance.now();
      const invited = await tracker.wait('INVITED', userId, EVENT_TIMEOUT_MS);
      if (invited.missing)
        throw new Error(
          `${invited.missing} of ${count} subscribers did not receive the INVITED event of ${email} within ${EVENT_TIMEOUT_MS / 1000} s.`,
        );
      if (rep >= 0) for (const at of invited.arrivals) invitedFromResponse.push(at - invitedAt);
      // Let the server and the database settle, so the accept starts from idle.
      await waitForQuietDatabase(db.url, { quietPolls: 2, intervalMs: 50 });
      await new Promise((resolve) => setTimeout(resolve, 100));

      const listenerBefore = listen.mainThreadCpuMs();
      const dbBefore = setup.dbCpu?.() ?? null;
      const otherBefore = setup.other();
      const eluBefore = performance.eventLoopUtilization();
      const clientBefore = mainThreadCpuMs();
      const sentAt = performance.now();
      await acceptOne(email, token);
      const respondedAt = performance.now();
      const accepted = await tracker.wait('ACCEPTED', userId, EVENT_TIMEOUT_MS);
      const doneAt = performance.now();
      const elu = performance.eventLoopUtilization(eluBefore).utilization;
      const clientAfter = mainThreadCpuMs();
      const listenerAfter = listen.mainThreadCpuMs();
      const dbAfter = setup.dbCpu?.() ?? null;
      const otherAfter = setup.other();
      const last = Math.max(...Array.from(accepted.arrivals).filter((v) => !Number.isNaN(v)));
      const repetition: Repetition = {
        rep,
        acceptHttpMs: round1(respondedAt - sentAt),
        fanOutFromResponseMs: round1(last - respondedAt),
        fanOutFromRequestMs: round1(last - sentAt),
        listenerCpuMs: listenerBefore === null || listenerAfter === null ? null : listenerAfter - listenerBefore,
        dbCpuMs: dbBefore === null || dbAfter === null ? null : dbAfter - dbBefore,
        otherLoadCores:
          otherBefore === null || otherAfter === null ? null : round2(Math.max(0, otherAfter - otherBefore) / (doneAt - sentAt)),
        clientEventLoopBusy: round2(elu),
        clientCpuMs: clientBefore === null || clientAfter === null ? null : clientAfter - clientBefore,
        missing: accepted.missing,
      };
      if (rep >= 0) {
        repetitions.push(repetition);
        for (const at of accepted.arrivals) {
          fromResponse.push(at - respondedAt);
          fromRequest.push(at - sentAt);
          fromUnloadedResponse.push(at - sentAt - acceptHttpWithoutSubscribers.p50);
        }
      }
      console.log(
        `  ${rep < 0 ? 'warm-up' : `rep ${String(rep + 1).padStart(2)}`}: accept HTTP ${repetition.acceptHttpMs.toFixed(0)} ms, last ACCEPTED ${repetition.fanOutFromResponseMs.toFixed(0)} ms after the response ` +
          `(${repetition.fanOutFromRequestMs.toFixed(0)} ms after the request), ${listen.name} main thread ${repetition.listenerCpuMs ?? '?'} ms CPU, db ${repetition.dbCpuMs ?? '?'} ms CPU, ` +
          `other load ${repetition.otherLoadCores?.toFixed(2) ?? '?'} cores${accepted.missing ? `, MISSING ${accepted.missing}` : ''}`,
      );
    }
  } finally {
    if (profiler) {
      const file = `${RESULTS_DIR}/live-${PROFILE}.cpuprofile`;
      const profile = await profiler.stop(file);
      console.log(`  CPU profile of ${listen.name}'s measured repetitions written to ${file} (profiled: do not quote these latencies)`);
      printProfileSummary(profile, REPS * count, 25);
      console.log('  (us/req above = microseconds per socket per event; each repetition delivers INVITED and ACCEPTED)');
    }
    memory = listen.memory();
    socketErrors = clients.reduce((sum, client) => sum + client.errors.length, 0);
    socketsClosed = clients.filter((client) => client.closed !== null).length;
    await closeLiveClients(clients);
  }
  const sumOf = (pick: (r: Repetition) => number | null) => {
    const values = repetitions.map(pick);
    return values.some((v) => v === null) ? null : values.reduce((a, b) => a! + b!, 0)!;
  };
  const listenerCpu = sumOf((r) => r.listenerCpuMs);
  const dbCpuTotal = sumOf((r) => r.dbCpuMs);
  const clientCpu = sumOf((r) => r.clientCpuMs);
  const others = repetitions.map((r) => r.otherLoadCores).filter((v): v is number => v !== null);
  const latencyFromResponseMs = percentiles(fromResponse);
  return {
    name,
    clients: count,
    instances: mutate === listen ? 1 : 2,
    latencyFromResponseMs,
    latencyFromRequestMs: percentiles(fromRequest),
    latencyFromUnloadedResponseMs: percentiles(fromUnloadedResponse),
    acceptHttpWithoutSubscribersMs: acceptHttpWithoutSubscribers,
    responseHeldByFanOut: latencyFromResponseMs.p50 < 0,
    invitedFromResponseMs: percentiles(invitedFromResponse),
    acceptHttpMs: percentiles(repetitions.map((r) => r.acceptHttpMs)),
    fanOutFromResponseMs: percentiles(repetitions.map((r) => r.fanOutFromResponseMs)),
    listenerCpuMsPerSocketEvent: listenerCpu === null ? null : round2(listenerCpu / (repetitions.length * count)),
    dbCpuMsPerSocketEvent: dbCpuTotal === null ? null : round2(dbCpuTotal / (repetitions.length * count)),
    otherLoadCores: others.length ? round2(others.reduce((a, b) => a + b, 0) / others.length) : null,
    clientEventLoopBusy: round2(repetitions.reduce((sum, r) => sum + r.clientEventLoopBusy, 0) / Math.max(1, repetitions.length)),
    clientCpuMsPerSocketEvent: clientCpu === null ? null : round3(clientCpu / (repetitions.length * count)),
    missing: repetitions.reduce((sum, r) => sum + r.missing, 0),
    socketErrors,
    socketsClosed,
    listenerOpenFds: openFds,
    listenerMemory: memory,
    listenerMemoryBeforeSubscribers: memoryBefore,
    repetitions,
  };
}

/**
 * Counts the SQL statements of one accept with no subscriber and with DIAGNOSTIC_CLIENTS subscribers, on a
 * Roster started in this process (where its SQL can be counted); the difference, per subscriber, is what
 * each open socket costs per event.
 */
async function sqlPerSocketEvent(db: ThrowawayDatabase, admin: { email: string; password: string }) {
  const tally = new StatementTally();
  const bench = await startBenchRoster(db.url, {}, { runOutboxWorker: false, runImportRunner: false, onSql: tally.onSql });
  const tracker = new FanOutTracker(DIAGNOSTIC_CLIENTS);
  let clients: LiveClient[] = [];
  try {
    const { cookie } = await signIn(bench.baseUrl, admin.email, admin.password);
    const url = `${bench.baseUrl}/graphql`;
    const cycle = async (subscribers: number, n: number) => {
      const email = `live-sql-${randomBytes(3).toString('hex')}-${n}@bench-live.test`;
      const invite = await postGraphQL(url, INVITE, { cookie, variables: { a: email } });
      const result = invite.body.data?.inviteUsers.results[0];
      if (!result?.user) throw new Error(`Diagnostic invite failed: ${JSON.stringify(invite.body).slice(0, 300)}`);
      if (subscribers) await tracker.wait('INVITED', result.user.id, EVENT_TIMEOUT_MS);
      await waitForQuietDatabase(db.url, { quietPolls: 2, intervalMs: 50 });
      tally.reset();
      tally.active = true;
      await postGraphQL(url, ACCEPT, {
        variables: { input: { token: result.inviteLink.split('/invitations/')[1], name: 'Sql Bench', password: 'live-bench-password' } },
      });
      if (subscribers) await tracker.wait('ACCEPTED', result.user.id, EVENT_TIMEOUT_MS);
      await waitForQuietDatabase(db.url, { quietPolls: 3, intervalMs: 50 });
      tally.active = false;
      return new Map(tally.counts);
    };
    await cycle(0, 0);
    const alone = await cycle(0, 1);
    clients = await openLiveClients(DIAGNOSTIC_CLIENTS, bench.baseUrl, cookie, SUBSCRIPTION, (i, data, at) => tracker.record(i, data, at));
    await cycle(DIAGNOSTIC_CLIENTS, 2);
    const watched = await cycle(DIAGNOSTIC_CLIENTS, 3);
    const kinds = [...new Set([...alone.keys(), ...watched.keys()])];
    const perSocket = Object.fromEntries(
      kinds
        .map((kind) => [kind, ((watched.get(kind) ?? 0) - (alone.get(kind) ?? 0)) / DIAGNOSTIC_CLIENTS] as const)
        .filter(([, n]) => n !== 0)
        .sort((x, y) => y[1] - x[1]),
    );
    const total = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
    return {
      subscribers: DIAGNOSTIC_CLIENTS,
      acceptAloneStatements: total(alone),
      acceptWatchedStatements: total(watched),
      perSocketPerEvent: round2((total(watched) - total(alone)) / DIAGNOSTIC_CLIENTS),
      perSocketPerEventByKind: perSocket,
    };
  } finally {
    await closeLiveClients(clients);
    await bench.roster.stop();
  }
}

function report(
  one: ScenarioResult,
  two: ScenarioResult,
  sql: Awaited<ReturnType<typeof sqlPerSocketEvent>>,
  limits: { soft: number | null; hard: number | null },
): void {
  console.log(
    `\nLatency of the ACCEPTED event, per subscriber, over ${REPS} repetitions (ms from the accept's HTTP response; from the request in the last columns):\n`,
  );
  printTable(
    [
      [
        'scenario',
        'subscribers',
        'events',
        'p50',
        'p99',
        'max',
        'min',
        'p50 from req',
        'p99 from req',
        'p50 est.',
        'p99 est.',
        'accept HTTP p50',
        'idem, no subscriber',
        'server cpu ms/socket/event',
        'db cpu ms/socket/event',
        'client cpu ms/event',
        'client loop busy',
        'other load',
      ],
      ...[one, two].map((s) => [
        s.name,
        s.clients,
        s.latencyFromResponseMs.count,
        s.latencyFromResponseMs.p50.toFixed(1),
        s.latencyFromResponseMs.p99.toFixed(1),
        s.latencyFromResponseMs.max.toFixed(1),
        s.latencyFromResponseMs.min.toFixed(1),
        s.latencyFromRequestMs.p50.toFixed(1),
        s.latencyFromRequestMs.p99.toFixed(1),
        s.latencyFromUnloadedResponseMs.p50.toFixed(1),
        s.latencyFromUnloadedResponseMs.p99.toFixed(1),
        s.acceptHttpMs.p50.toFixed(1),
        s.acceptHttpWithoutSubscribersMs.p50.toFixed(1),
        s.listenerCpuMsPerSocketEvent?.toFixed(2) ?? '-',
        s.dbCpuMsPerSocketEvent?.toFixed(2) ?? '-',
        s.clientCpuMsPerSocketEvent?.toFixed(3) ?? '-',
        `${Math.round(s.clientEventLoopBusy * 100)}%`,
        s.otherLoadCores?.toFixed(2) ?? '-',
      ]),
    ],
    Array.from({ length: 18 }, (_, i) => i > 0),
  );
  console.log(
    "\n'est.' = arrival minus (request sent + the accept's duration with no subscriber connected), for when the accept's response itself waits for the fan-out.",
  );
  for (const s of [one, two]) {
    if (s.clientCpuMsPerSocketEvent !== null) {
      console.log(
        `${s.name}: the subscribers (this process) spend ${s.clientCpuMsPerSocketEvent.toFixed(3)} ms of CPU per received event, so the last of ${s.clients} arrivals can wait up to ~${Math.round(s.clientCpuMsPerSocketEvent * s.clients)} ms behind the others' processing here.`,
      );
    }
  }
  // The verdict uses the worse of the two: the response-based figure alone says "fast" when the response is late.
  const judged = (s: ScenarioResult) => Math.max(s.latencyFromResponseMs.p99, s.latencyFromUnloadedResponseMs.p99);
  const verdict = (value: number, target: number) => (value < target ? 'PASS' : 'MISSED');
  const checks = {
    oneInstanceP99Ms: {
      value: judged(one),
      fromResponse: one.latencyFromResponseMs.p99,
      estimated: one.latencyFromUnloadedResponseMs.p99,
      target: `< ${TARGETS.oneP99Ms}`,
      verdict: verdict(judged(one), TARGETS.oneP99Ms),
    },
    twoInstancesP99Ms: {
      value: judged(two),
      fromResponse: two.latencyFromResponseMs.p99,
      estimated: two.latencyFromUnloadedResponseMs.p99,
      target: `< ${TARGETS.twoP99Ms}`,
      verdict: verdict(judged(two), TARGETS.twoP99Ms),
    },
  };
  console.log('');
  for (const [s, check, target] of [
    [one, checks.oneInstanceP99Ms, TARGETS.oneP99Ms],
    [two, checks.twoInstancesP99Ms, TARGETS.twoP99Ms],
  ] as const) {
    console.log(
      `${s.name}, ${s.clients} subscribers${s.instances === 2 ? ' on B' : ''}: p99 ${check.value.toFixed(1)} ms (from the response ${check.fromResponse.toFixed(1)}, est. ${check.estimated.toFixed(1)}; target < ${target} ms): ${check.verdict}` +
        (s.responseHeldByFanOut
          ? `\n  note: the accept's response came after most events (accept HTTP p50 ${s.acceptHttpMs.p50.toFixed(0)} ms vs ${s.acceptHttpWithoutSubscribersMs.p50.toFixed(0)} ms with no subscriber): the fan-out delays the response itself, so "from the response" understates the delay.`
          : ''),
    );
  }
  console.log(
    `SQL per open socket per event (in-process diagnostic, ${sql.subscribers} subscribers): ${sql.perSocketPerEvent} statements ` +
      `(${Object.entries(sql.perSocketPerEventByKind)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ')}); the accept alone runs ${sql.acceptAloneStatements}`,
  );
  console.log(
    `open files limit ${limits.soft ?? 'unlimited'} (soft) / ${limits.hard ?? 'unlimited'} (hard); descriptors open in the receiving instance: ${one.listenerOpenFds ?? '?'} (one), ${two.listenerOpenFds ?? '?'} (two)`,
  );
  const memory = (s: ScenarioResult) =>
    s.listenerMemory
      ? `${s.listenerMemoryBeforeSubscribers?.rssMb ?? '?'} MB RSS before the subscribers, ${s.listenerMemory.rssMb} MB after, ${s.listenerMemory.peakRssMb} MB peak`
      : '?';
  console.log(`receiving instance memory: one ${memory(one)}; two ${memory(two)}`);
  const noisy = [one, two].some((s) => (s.otherLoadCores ?? 0) > 0.2);
  if (noisy)
    console.log(
      `\nWARNING: other processes kept ${one.otherLoadCores?.toFixed(2)} / ${two.otherLoadCores?.toFixed(2)} cores busy (one / two instances). The figures are noisy; rerun on a quiet machine.`,
    );
  const problems = [one, two].reduce((sum, s) => sum + s.missing + s.socketErrors + s.socketsClosed, 0);

  const file = writeResult('live', {
    name: 'live',
    date: new Date().toISOString(),
    subscription: SUBSCRIPTION,
    repetitions: REPS,
    warmupRepetitions: WARMUP_REPS,
    server: {
      mode: SERVER_MODE,
      process: 'child process per instance (Roster main.ts, NODE_ENV=production, LOG_LEVEL=error)',
      redis: REDIS_URL,
    },
    latencyDefinition:
      "per subscriber: arrival of the ACCEPTED event (taken in the socket's message handler) minus the moment the acceptInvitation HTTP response arrived; " +
      '*FromRequest: minus the moment it was sent; *FromUnloadedResponse: minus (sent + the accept duration with no subscriber, median of the control runs). The verdict uses the worse of FromResponse and FromUnloadedResponse.',
    targets: TARGETS,
    checks,
    oneInstance: one,
    twoInstances: two,
    sqlPerSocketPerEvent: sql,
    openFiles: { limits, receivingInstanceOpenFds: { one: one.listenerOpenFds, two: two.listenerOpenFds } },
    noisy,
    machine: machineInfo(),
    code: gitRevision(),
  });
  console.log(`\nresults written to ${file}`);
  if (problems > 0)
    throw new Error(`${problems} problem(s): missing events, subscription errors or closed sockets; the figures above are not valid.`);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
