import { afterEach, describe, expect, it, vi } from 'vitest';
import { PassEnded, PollingWorker } from './polling-worker.js';

const quiet = { info: () => {}, error: () => {} };

/** A worker whose batches are scripted: each runOnce takes `batchMs` (fake time) and handles what `due` says. */
class ScriptedWorker extends PollingWorker {
  passes = 0;
  signals: AbortSignal[] = [];
  constructor(
    private readonly due: number[],
    private readonly batchMs: number,
    passDeadlineMs: number | null,
  ) {
    super(1_000, quiet, 'Scripted worker', passDeadlineMs);
  }
  async runOnce(signal?: AbortSignal): Promise<number> {
    this.passes++;
    if (signal) this.signals.push(signal);
    await new Promise((resolve) => setTimeout(resolve, this.batchMs));
    return this.due.shift() ?? 0;
  }
}

describe('PollingWorker', () => {
  afterEach(() => vi.useRealTimers());

  it('drains batch after batch until one handles nothing', async () => {
    vi.useFakeTimers();
    const worker = new ScriptedWorker([3, 2, 0, 5], 10, 60_000);
    const drained = worker.drain();
    await vi.advanceTimersByTimeAsync(100);
    expect(await drained).toBe(5);
    expect(worker.passes).toBe(3);
  });

  it('ends a pass at its deadline: no further batch starts, and the rest waits for the next pass', async () => {
    vi.useFakeTimers();
    const worker = new ScriptedWorker([1, 1, 1, 1, 1, 1], 400, 1_000);
    const drained = worker.drain();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await drained).toBe(3);
    expect(worker.signals[0]!.aborted).toBe(true);
    expect((worker.signals[0]!.reason as PassEnded).why).toBe('deadline');
  });

  it('without a deadline (imports), a pass goes on until nothing is due, however long it takes', async () => {
    vi.useFakeTimers();
    const worker = new ScriptedWorker(
      Array.from({ length: 20 }, () => 1),
      60_000,
      null,
    );
    const drained = worker.drain();
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(await drained).toBe(20);
    expect(worker.signals.every((signal) => !signal.aborted)).toBe(true);
  });

  it('stop waits for the batch in progress and aborts its signal as "stopping"', async () => {
    vi.useFakeTimers();
    const worker = new ScriptedWorker([1, 1, 1], 500, null);
    worker.start();
    await vi.advanceTimersByTimeAsync(100);
    const stopped = worker.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
    expect((worker.signals[0]!.reason as PassEnded).why).toBe('stopping');
    const passesAtStop = worker.passes;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(worker.passes).toBe(passesAtStop);
  });
});
