import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/**
 * Sends GraphQL requests from a worker thread (accept-worker.mjs) and returns when they were sent and answered,
 * on this thread's performance.now() clock: the worker's event loop is not the one the subscribers keep busy.
 */
export class AcceptSender {
  private readonly worker = new Worker(new URL('./accept-worker.mjs', import.meta.url));
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = 0;

  constructor() {
    this.worker.on('message', (reply: Reply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    this.worker.unref();
  }

  async post(
    url: string,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ status: number; body: any; sentAt: number; respondedAt: number }> {
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ id, url, body: JSON.stringify({ query, variables }) });
    });
    if ('error' in reply) throw new Error(`${url}: ${reply.error}`);
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      throw new Error(`${url} answered ${reply.status} with a body that is not JSON: ${reply.text.slice(0, 200)}`);
    }
    const local = (absolute: number) => absolute - performance.timeOrigin;
    return { status: reply.status, body, sentAt: local(reply.sentAt), respondedAt: local(reply.respondedAt) };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

type Reply = { id: number; error: string } | { id: number; status: number; text: string; sentAt: number; respondedAt: number };
