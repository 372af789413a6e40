import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ChildRoster } from '../../lib/child-roster.js';
import type { CpuCounter } from '../../lib/cpu.js';
import { LiveClientPool } from '../../lib/live-client-pool.js';
import { percentiles } from '../../lib/live-clients.js';
import { waitForQuietDatabase, type ThrowawayDatabase } from '../../lib/mariadb.js';
import { printProfileSummary, RemoteCpuProfiler } from '../../lib/profile.js';
import { AcceptSender } from './accept-sender.js';
import { fanOutBetween, readFanOut, type FanOutHistogram, type FanOutSummary } from './fan-out-metric.js';
import { RESULTS_DIR, round1, round2, round3 } from '../../lib/report.js';
import { postGraphQL } from '../../lib/roster.js';
import {
  ACCEPT,
  CLIENT_WORKERS,
  CONTROL_REPS,
  EVENT_TIMEOUT_MS,
  INVITE,
  PROFILE,
  REPS,
  SUBSCRIBED_ATTEMPTS,
  SUBSCRIBED_WAIT_MS,
  SUBSCRIPTION,
  WARMUP_REPS,
} from './config.js';

export interface Repetition {
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
  /** Event-loop utilisation of the busiest subscriber worker during the accept and its fan-out. */
  clientEventLoopBusy: number;
  /** CPU of the subscriber worker threads (sockets, graphql-ws parsing), summed, from the accept to each one's last arrival. */
  clientCpuMs: number | null;
  missing: number;
}

export interface ScenarioResult {
  name: string;
  clients: number;
  /** Worker threads the subscribers are spread over (BENCH_LIVE_CLIENT_WORKERS). */
  clientWorkers: number;
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
  /** The same minus the receiving instance's CPU for an accept with no subscriber (control runs): the fan-out's own CPU. */
  fanOutCpuMsPerSocketEvent: number | null;
  /** roster_live_fanout_seconds of the receiving instance over the measured repetitions (INVITED and ACCEPTED events). */
  serverFanOutMs: FanOutSummary | null;
  /** The receiving instance's V8 heap in use and external memory before and after the measured repetitions (MB). */
  listenerHeap: {
    before: { usedMb: number | null; externalMb: number | null };
    after: { usedMb: number | null; externalMb: number | null };
  } | null;
  dbCpuMsPerSocketEvent: number | null;
  otherLoadCores: number | null;
  clientEventLoopBusy: number;
  /** Subscriber workers' CPU per received event: how much of the fan-out the clients themselves take. */
  clientCpuMsPerSocketEvent: number | null;
  missing: number;
  socketErrors: number;
  socketsClosed: number;
  listenerOpenFds: number | null;
  listenerMemory: { rssMb: number; peakRssMb: number } | null;
  listenerMemoryBeforeSubscribers: { rssMb: number; peakRssMb: number } | null;
  /** Once every subscriber is subscribed, before the measured repetitions. */
  listenerMemoryWithSubscribers: { rssMb: number; peakRssMb: number } | null;
  /** RSS growth from no subscriber to all subscribed, per socket. */
  listenerKbPerSocket: number | null;
  repetitions: Repetition[];
}

export async function measure(
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
  const sender = new AcceptSender();
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
  // Sent from a worker thread: timed on this thread's clock, but not late behind the subscribers' messages.
  const acceptOne = async (email: string, token: string) => {
    const accept = await sender.post(mutateUrl, ACCEPT, { input: { token, name: 'Live Bench', password: 'live-bench-password' } });
    if (accept.status !== 200 || accept.body.errors)
      throw new Error(`Accepting the invitation of ${email} failed (${accept.status}): ${JSON.stringify(accept.body).slice(0, 500)}`);
    return accept;
  };
  // Control: the accept with nobody listening.
  const control: number[] = [];
  const controlCpu: number[] = [];
  for (let i = 0; i < CONTROL_REPS + 1; i++) {
    const email = `live-control-${tag}-${i}@bench-live.test`;
    const { token } = await inviteOne(email);
    await waitForQuietDatabase(db.url, { quietPolls: 2, intervalMs: 50 });
    const cpuBefore = listen.mainThreadCpuMs();
    const { sentAt, respondedAt } = await acceptOne(email, token);
    const cpuAfter = listen.mainThreadCpuMs();
    if (i > 0) control.push(respondedAt - sentAt); // the first one warms up
    if (i > 0 && cpuBefore !== null && cpuAfter !== null) controlCpu.push(cpuAfter - cpuBefore);
  }
  const acceptHttpWithoutSubscribers = percentiles(control);
  const memoryBefore = listen.memory();
  let connectMs = performance.now();
  const subscribers = await LiveClientPool.open(count, CLIENT_WORKERS, listen.baseUrl, cookie, SUBSCRIPTION);
  connectMs = performance.now() - connectMs;
  // Connected is not yet subscribed (the subscribe message is handled after the ack): invite until every client hears one.
  for (let attempt = 0; ; attempt++) {
    const { userId } = await inviteOne(`live-ready-${tag}-${name.replace(/\W+/g, '-')}-${attempt}@bench-live.test`);
    const heard = await subscribers.wait('INVITED', userId, SUBSCRIBED_WAIT_MS);
    if (heard.missing === 0) break;
    if (attempt + 1 >= SUBSCRIBED_ATTEMPTS)
      throw new Error(`${heard.missing} of ${count} subscribers never heard an event after ${SUBSCRIBED_ATTEMPTS} invitations.`);
  }
  await waitForQuietDatabase(db.url, { quietPolls: 2, intervalMs: 50 });
  const memoryWith = listen.memory();
  const openFds = listen.openFds();
  console.log(`\n[${name}] accept without subscribers: ${control.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  console.log(
    `[${name}] ${count} subscribers (${subscribers.threads} worker thread${subscribers.threads === 1 ? '' : 's'}) connected to ${listen.name} in ${(connectMs / 1000).toFixed(1)} s (${openFds ?? '?'} open descriptors in ${listen.name}); mutations through ${mutate.name}; ${WARMUP_REPS} warm-up + ${REPS} measured repetitions`,
  );
  const fromResponse: number[] = [];
  const fromRequest: number[] = [];
  const fromUnloadedResponse: number[] = [];
  const invitedFromResponse: number[] = [];
  const repetitions: Repetition[] = [];
  const profiler = setup.profile ? await RemoteCpuProfiler.connect(listen.inspectorUrl!) : null;
  let memory: ScenarioResult['listenerMemory'] = null;
  let fanOutBefore: FanOutHistogram | null = null;
  let fanOutAfter: FanOutHistogram | null = null;
  let socketErrors = 0;
  let socketsClosed = 0;
  try {
    for (let rep = -WARMUP_REPS; rep < REPS; rep++) {
      if (rep === 0 && profiler) await profiler.start(500);
      if (rep === 0) fanOutBefore = await readFanOut(listen.baseUrl);
      // Invite (not measured, but every subscriber must have seen it before the accept).
      const email = `live-${name.replace(/\W+/g, '-')}-${tag}-${rep + WARMUP_REPS}@bench-live.test`;
      const { userId, token } = await inviteOne(email);
      const invitedAt = performance.now();
      const invited = await subscribers.wait('INVITED', userId, EVENT_TIMEOUT_MS);
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
      subscribers.mark();
      const { sentAt, respondedAt } = await acceptOne(email, token);
      const accepted = await subscribers.wait('ACCEPTED', userId, EVENT_TIMEOUT_MS);
      const doneAt = performance.now();
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
        clientEventLoopBusy: round2(accepted.busy),
        clientCpuMs: accepted.cpuMs,
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
    fanOutAfter = await readFanOut(listen.baseUrl);
    ({ socketErrors, socketsClosed } = await subscribers.close());
    await sender.close();
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
    clientWorkers: subscribers.threads,
    instances: mutate === listen ? 1 : 2,
    latencyFromResponseMs,
    latencyFromRequestMs: percentiles(fromRequest),
    latencyFromUnloadedResponseMs: percentiles(fromUnloadedResponse),
    acceptHttpWithoutSubscribersMs: acceptHttpWithoutSubscribers,
    responseHeldByFanOut: latencyFromResponseMs.p50 < 0,
    invitedFromResponseMs: percentiles(invitedFromResponse),
    acceptHttpMs: percentiles(repetitions.map((r) => r.acceptHttpMs)),
    fanOutFromResponseMs: percentiles(repetitions.map((r) => r.fanOutFromResponseMs)),
    listenerCpuMsPerSocketEvent: listenerCpu === null ? null : round3(listenerCpu / (repetitions.length * count)),
    fanOutCpuMsPerSocketEvent:
      listenerCpu === null || controlCpu.length === 0
        ? null
        : round3((listenerCpu - repetitions.length * percentiles(controlCpu).p50) / (repetitions.length * count)),
    serverFanOutMs: fanOutBetween(fanOutBefore, fanOutAfter),
    listenerHeap:
      fanOutBefore && fanOutAfter
        ? {
            before: { usedMb: fanOutBefore.heapUsedMb, externalMb: fanOutBefore.externalMb },
            after: { usedMb: fanOutAfter.heapUsedMb, externalMb: fanOutAfter.externalMb },
          }
        : null,
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
    listenerMemoryWithSubscribers: memoryWith,
    listenerKbPerSocket: memoryBefore && memoryWith ? Math.round(((memoryWith.rssMb - memoryBefore.rssMb) * 1024) / count) : null,
    repetitions,
  };
}
