import { gitRevision, machineInfo, printTable, writeResult } from '../../lib/report.js';
import { REDIS_URL, REPS, SERVER_MODE, SUBSCRIPTION, TARGETS, WARMUP_REPS } from './config.js';
import type { BareFloorResult } from './bare-floor.js';
import type { ScenarioResult } from './measure.js';
import type { sqlPerSocketEvent } from './sql-per-socket.js';

export function report(
  one: ScenarioResult,
  two: ScenarioResult,
  sql: Awaited<ReturnType<typeof sqlPerSocketEvent>>,
  limits: { soft: number | null; hard: number | null },
  floor: BareFloorResult,
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
        s.listenerCpuMsPerSocketEvent?.toFixed(3) ?? '-',
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
        `${s.name}: the subscribers (${s.clientWorkers} worker thread${s.clientWorkers === 1 ? '' : 's'}) spend ${s.clientCpuMsPerSocketEvent.toFixed(3)} ms of CPU per received event, so the last of a worker's ~${Math.ceil(s.clients / s.clientWorkers)} arrivals can wait up to ~${Math.round(s.clientCpuMsPerSocketEvent * Math.ceil(s.clients / s.clientWorkers))} ms behind the others' processing here.`,
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
    `bare ws floor, ${floor.clients} subscribers (the same clients served by baselines/live-fanout.mjs: one prebuilt message to every socket in one loop): ` +
      `p99 ${floor.latencyFromRequestMs.p99.toFixed(1)} ms from its request (p50 ${floor.latencyFromRequestMs.p50.toFixed(1)}); Roster's one-instance p99 from the request ${one.latencyFromRequestMs.p99.toFixed(1)} ms = ` +
      `${(one.latencyFromRequestMs.p99 / floor.latencyFromRequestMs.p99).toFixed(2)}x the floor` +
      (floor.latencyFromRequestMs.p99 >= TARGETS.oneP99Ms
        ? `. The floor itself is over the ${TARGETS.oneP99Ms} ms target: on this machine, with these clients on the same cores, no server reaches it.`
        : ''),
  );
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
      ? `${s.listenerMemoryBeforeSubscribers?.rssMb ?? '?'} MB RSS before the subscribers, ${s.listenerMemoryWithSubscribers?.rssMb ?? '?'} MB once subscribed ` +
        `(${s.listenerKbPerSocket ?? '?'} KB per socket), ${s.listenerMemory.rssMb} MB after the repetitions, ${s.listenerMemory.peakRssMb} MB peak`
      : '?';
  console.log(`receiving instance memory: one ${memory(one)}; two ${memory(two)}`);
  const heap = (s: ScenarioResult) =>
    s.listenerHeap
      ? `V8 heap used ${s.listenerHeap.before.usedMb} -> ${s.listenerHeap.after.usedMb} MB, external ${s.listenerHeap.before.externalMb} -> ${s.listenerHeap.after.externalMb} MB`
      : '?';
  console.log(`receiving instance over the measured repetitions (not collected first): one ${heap(one)}; two ${heap(two)}`);
  for (const s of [one, two])
    console.log(
      `${s.name}: server CPU per delivered event per socket ${s.listenerCpuMsPerSocketEvent === null ? '?' : `${Math.round(s.listenerCpuMsPerSocketEvent * 1000)} µs`} ` +
        `(receiving instance's main thread from the accept to the last arrival ÷ subscribers; 10 ms resolution per repetition); ` +
        `accept HTTP p50 ${s.acceptHttpMs.p50.toFixed(0)} ms with subscribers vs ${s.acceptHttpWithoutSubscribersMs.p50.toFixed(0)} ms without (${((s.acceptHttpMs.p50 / s.acceptHttpWithoutSubscribersMs.p50 - 1) * 100).toFixed(0)}%)`,
    );
  for (const s of [one, two]) {
    const f = s.serverFanOutMs;
    console.log(
      `${s.name}: fan-out on the server (roster_live_fanout_seconds, event reaching the hub to the last socket written, ${f?.events ?? '?'} events): ` +
        (f
          ? `mean ${f.meanMs.toFixed(1)} ms, p50 ~${f.p50Ms.toFixed(0)} ms, p99 ~${f.p99Ms.toFixed(0)} ms (interpolated in the histogram's buckets)`
          : 'not read') +
        `; server CPU of the fan-out alone (minus an accept with no subscriber) ${s.fanOutCpuMsPerSocketEvent === null ? '?' : `${Math.round(s.fanOutCpuMsPerSocketEvent * 1000)} µs`} per socket`,
    );
  }
  const noisy = [one, two].some((s) => (s.otherLoadCores ?? 0) > 0.2);
  if (noisy)
    console.log(
      `\nWARNING: other processes kept ${one.otherLoadCores?.toFixed(2)} / ${two.otherLoadCores?.toFixed(2)} cores busy (one / two instances). The figures are noisy; rerun on a quiet machine.`,
    );
  const problems = [one, two].reduce((sum, s) => sum + s.missing + s.socketErrors + s.socketsClosed, 0) + floor.missing;

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
    bareWsFloor: floor,
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
