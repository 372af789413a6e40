import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { currentThreadCpuMs } from './cpu.js';
import { closeLiveClients, FanOutTracker, openLiveClients } from './live-clients.js';

/** One worker thread of LiveClientPool: opens its share of the subscribers and answers the pool's requests. */
export interface LiveWorkerData {
  count: number;
  baseUrl: string;
  cookie: string;
  query: string;
  concurrency: number;
}
export type LiveWorkerRequest =
  { op: 'mark' } | { op: 'wait'; id: number; type: string; userId: string; timeoutMs: number } | { op: 'close'; id: number };
export type LiveWorkerReply =
  | { op: 'ready' }
  | { op: 'waited'; id: number; arrivals: Float64Array; missing: number; cpuMs: number | null; busy: number }
  | { op: 'closed'; id: number; socketErrors: number; socketsClosed: number };

const { count, baseUrl, cookie, query, concurrency } = workerData as LiveWorkerData;
const port = parentPort!;
const reply = (message: LiveWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const tracker = new FanOutTracker(count);
// Absolute times (timeOrigin + now): comparable across threads, the pool converts them to its own clock.
const clients = await openLiveClients(
  count,
  baseUrl,
  cookie,
  query,
  (i, data, at) => tracker.record(i, data, performance.timeOrigin + at),
  concurrency,
);
let cpuAtMark = currentThreadCpuMs();
let loopAtMark = performance.eventLoopUtilization();

port.on('message', async (request: LiveWorkerRequest) => {
  if (request.op === 'mark') {
    cpuAtMark = currentThreadCpuMs();
    loopAtMark = performance.eventLoopUtilization();
  } else if (request.op === 'wait') {
    const { arrivals, missing } = await tracker.wait(request.type, request.userId, request.timeoutMs);
    const cpuNow = currentThreadCpuMs();
    const cpuMs = cpuNow === null || cpuAtMark === null ? null : cpuNow - cpuAtMark;
    const busy = performance.eventLoopUtilization(loopAtMark).utilization;
    reply({ op: 'waited', id: request.id, arrivals, missing, cpuMs, busy }, [arrivals.buffer as ArrayBuffer]);
  } else {
    const socketErrors = clients.reduce((sum, client) => sum + client.errors.length, 0);
    const socketsClosed = clients.filter((client) => client.closed !== null).length;
    await closeLiveClients(clients);
    reply({ op: 'closed', id: request.id, socketErrors, socketsClosed });
  }
});
reply({ op: 'ready' });
