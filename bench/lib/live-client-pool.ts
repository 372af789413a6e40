import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { LiveWorkerData, LiveWorkerReply, LiveWorkerRequest } from './live-client-worker.js';

/**
 * graphql-ws subscribers spread over worker threads. One thread spends ~0.03 ms of CPU per received message, so with
 * all subscribers on one the last arrival of a fan-out waited that long behind each of the others: the clients, not
 * the server, set the tail. Each worker opens its share of the sockets and records arrivals on an absolute clock;
 * `wait` gathers them on this thread's performance.now() clock, in subscriber order.
 */
export class LiveClientPool {
  private readonly pending = new Map<number, { resolve: (reply: LiveWorkerReply) => void; reject: (error: unknown) => void }>();
  private nextId = 0;

  private constructor(
    private readonly workers: Array<{ worker: Worker; count: number }>,
    readonly clients: number,
  ) {
    for (const { worker } of workers) {
      worker.on('message', (reply: LiveWorkerReply) => {
        if (reply.op === 'ready') return;
        this.pending.get(reply.id)?.resolve(reply);
        this.pending.delete(reply.id);
      });
      // A worker that dies would otherwise leave its requests waiting forever.
      worker.on('error', (error) => {
        for (const { reject } of this.pending.values()) reject(error);
        this.pending.clear();
      });
    }
  }

  /** Opens `count` subscribers over `threads` workers, 50 connecting at a time in all. */
  static async open(count: number, threads: number, baseUrl: string, cookie: string, query: string): Promise<LiveClientPool> {
    const shares = Array.from({ length: threads }, (_, i) => Math.floor(count / threads) + (i < count % threads ? 1 : 0)).filter(Boolean);
    const workers = shares.map((share) => {
      const data: LiveWorkerData = { count: share, baseUrl, cookie, query, concurrency: Math.ceil(50 / shares.length) };
      return { worker: new Worker(new URL('./live-client-worker.mjs', import.meta.url), { workerData: data }), count: share };
    });
    const started = await Promise.allSettled(
      workers.map(
        ({ worker }) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`a subscriber worker exited with code ${code} before connecting`)));
          }),
      ),
    );
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
      throw failed.reason;
    }
    return new LiveClientPool(workers, count);
  }

  get threads(): number {
    return this.workers.length;
  }

  private async ask<R extends LiveWorkerReply>(build: (id: number) => LiveWorkerRequest): Promise<R[]> {
    return Promise.all(
      this.workers.map(({ worker }) => {
        const id = this.nextId++;
        return new Promise<R>((resolve, reject) => {
          this.pending.set(id, { resolve: resolve as (reply: LiveWorkerReply) => void, reject });
          worker.postMessage(build(id));
        });
      }),
    );
  }

  /** Starts the CPU and event-loop window that the next `wait` reports. */
  mark(): void {
    for (const { worker } of this.workers) worker.postMessage({ op: 'mark' } satisfies LiveWorkerRequest);
  }

  /**
   * Waits until every subscriber has the event `(type, userId)` (or the timeout). Arrivals are in ms on this thread's
   * performance.now() clock (NaN = never arrived); cpuMs is the workers' CPU since `mark`, summed; busy the busiest
   * worker's event-loop utilisation.
   */
  async wait(type: string, userId: string, timeoutMs: number) {
    const replies = await this.ask<Extract<LiveWorkerReply, { op: 'waited' }>>((id) => ({ op: 'wait', id, type, userId, timeoutMs }));
    const arrivals = new Float64Array(this.clients);
    let offset = 0;
    replies.forEach((reply, i) => {
      for (let j = 0; j < reply.arrivals.length; j++) arrivals[offset + j] = reply.arrivals[j]! - performance.timeOrigin;
      offset += this.workers[i]!.count;
    });
    const cpus = replies.map((reply) => reply.cpuMs);
    return {
      arrivals,
      missing: replies.reduce((sum, reply) => sum + reply.missing, 0),
      cpuMs: cpus.some((cpu) => cpu === null) ? null : cpus.reduce((a, b) => a! + b!, 0)!,
      busy: Math.max(...replies.map((reply) => reply.busy)),
    };
  }

  /** Closes every subscriber and worker; returns the subscription errors and the sockets the server closed. */
  async close(): Promise<{ socketErrors: number; socketsClosed: number }> {
    const replies = await this.ask<Extract<LiveWorkerReply, { op: 'closed' }>>((id) => ({ op: 'close', id }));
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
    return {
      socketErrors: replies.reduce((sum, reply) => sum + reply.socketErrors, 0),
      socketsClosed: replies.reduce((sum, reply) => sum + reply.socketsClosed, 0),
    };
  }
}
