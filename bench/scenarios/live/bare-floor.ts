import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SERVER_DIR, startChildRoster } from '../../lib/child-roster.js';
import { LiveClientPool } from '../../lib/live-client-pool.js';
import { percentiles } from '../../lib/live-clients.js';
import { round3 } from '../../lib/report.js';
import { CLIENT_WORKERS, EVENT_TIMEOUT_MS, REPS, SUBSCRIBED_ATTEMPTS, SUBSCRIBED_WAIT_MS, SUBSCRIPTION, WARMUP_REPS } from './config.js';

export interface BareFloorResult {
  clients: number;
  clientWorkers: number;
  /** Arrival of the event at each subscriber minus the moment `/fire` was sent, over all subscribers × repetitions. */
  latencyFromRequestMs: ReturnType<typeof percentiles>;
  /** Main-thread CPU of the bare server per socket per event (10 ms resolution per repetition). */
  serverCpuMsPerSocketEvent: number | null;
  clientCpuMsPerSocketEvent: number | null;
  missing: number;
}

const ENTRY = fileURLToPath(new URL('../../baselines/live-fanout.mjs', import.meta.url));

/**
 * The floor under the one-instance target: the same subscribers, worker threads and machine, served by a bare `ws`
 * server that sends one prebuilt message to every socket in one loop (baselines/live-fanout.mjs). Its p99 is what
 * moving one event to that many sockets costs here before any of Roster's work.
 */
export async function measureBareFloor(count: number): Promise<BareFloorResult> {
  const bare = await startChildRoster('bare ws', {}, { entry: path.relative(SERVER_DIR, ENTRY) });
  const subscribers = await LiveClientPool.open(count, CLIENT_WORKERS, bare.baseUrl, '', SUBSCRIPTION).catch(async (error) => {
    await bare.stop();
    throw error;
  });
  const fire = async (type: string, userId: string) => {
    const sentAt = performance.now();
    const response = await fetch(`${bare.baseUrl}/fire`, { method: 'POST', body: JSON.stringify({ type, userId }) });
    if (!response.ok) throw new Error(`The bare server answered /fire with ${response.status}.`);
    await response.text();
    return sentAt;
  };
  const fromRequest: number[] = [];
  let serverCpu: number | null = 0;
  let clientCpu: number | null = 0;
  let missing = 0;
  let measured = 0;
  try {
    // As with Roster, connected is not yet subscribed: fire until every client heard one.
    for (let attempt = 0; ; attempt++) {
      const userId = randomUUID();
      await fire('INVITED', userId);
      const heard = await subscribers.wait('INVITED', userId, SUBSCRIBED_WAIT_MS);
      if (heard.missing === 0) break;
      if (attempt + 1 >= SUBSCRIBED_ATTEMPTS)
        throw new Error(
          `${heard.missing} of ${count} subscribers of the bare server never heard an event after ${SUBSCRIBED_ATTEMPTS} tries.`,
        );
    }
    for (let rep = -WARMUP_REPS; rep < REPS; rep++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const userId = randomUUID();
      const cpuBefore = bare.mainThreadCpuMs();
      subscribers.mark();
      const sentAt = await fire('ACCEPTED', userId);
      const accepted = await subscribers.wait('ACCEPTED', userId, EVENT_TIMEOUT_MS);
      const cpuAfter = bare.mainThreadCpuMs();
      if (rep < 0) continue;
      measured++;
      missing += accepted.missing;
      for (const at of accepted.arrivals) fromRequest.push(at - sentAt);
      serverCpu = serverCpu === null || cpuBefore === null || cpuAfter === null ? null : serverCpu + (cpuAfter - cpuBefore);
      clientCpu = clientCpu === null || accepted.cpuMs === null ? null : clientCpu + accepted.cpuMs;
    }
  } finally {
    await subscribers.close();
    await bare.stop();
  }
  const result: BareFloorResult = {
    clients: count,
    clientWorkers: subscribers.threads,
    latencyFromRequestMs: percentiles(fromRequest),
    serverCpuMsPerSocketEvent: serverCpu === null ? null : round3(serverCpu / (measured * count)),
    clientCpuMsPerSocketEvent: clientCpu === null ? null : round3(clientCpu / (measured * count)),
    missing,
  };
  const l = result.latencyFromRequestMs;
  console.log(
    `\n[bare ws floor] ${count} subscribers (${result.clientWorkers} worker threads), ${REPS} events: from the request p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms; ` +
      `server CPU ${result.serverCpuMsPerSocketEvent === null ? '?' : Math.round(result.serverCpuMsPerSocketEvent * 1000)} µs per socket per event, ` +
      `clients ${result.clientCpuMsPerSocketEvent === null ? '?' : Math.round(result.clientCpuMsPerSocketEvent * 1000)} µs per received event`,
  );
  return result;
}
