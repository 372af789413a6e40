import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.js';
import { MemorySchedule, RedisSchedule, ScheduledSendRate, type Sleep } from './send-rate.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = { info: () => {}, error: () => {} };

/** A limiter on a fake clock: sleeping moves the clock on; `hold` keeps one sleeper waiting until released. */
function pacedOnFakeClock(perSecond: number) {
  const clock = new FakeClock(new Date('2026-12-02T12:00:00.000Z'));
  const permits: number[] = [];
  const sleeps: number[] = [];
  let gate: Promise<void> | null = null;
  const sleep: Sleep = async (ms) => {
    sleeps.push(ms);
    if (gate) await gate;
    clock.advance(ms);
  };
  const schedule = new MemorySchedule(() => clock.now().getTime());
  const limiter = new ScheduledSendRate(perSecond, schedule, sleep);
  const acquire = async () => {
    await limiter.acquire();
    permits.push(clock.now().getTime());
  };
  const hold = () => {
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    return () => ((gate = null), release());
  };
  return { clock, permits, sleeps, limiter, acquire, hold };
}

describe('the send rate limiter', () => {
  it('gives 2 permits per second, evenly spaced: never more than 2 in any second', async () => {
    const { permits, acquire, clock } = pacedOnFakeClock(2);
    const start = clock.now().getTime();
    for (let i = 0; i < 10; i++) await acquire();
    expect(permits.map((t) => t - start)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]);
    for (const t of permits) expect(permits.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(2);
  });

  it('does not save up idle time for a burst: after a quiet minute, permits are still spaced', async () => {
    const { permits, acquire, clock } = pacedOnFakeClock(2);
    await acquire();
    clock.advance(60_000);
    await acquire();
    await acquire();
    expect(permits[2]! - permits[1]!).toBe(500);
  });

  it("after a 429's retry-after, no permit until it has passed, even one reserved before the 429", async () => {
    const { permits, acquire, limiter, clock, hold } = pacedOnFakeClock(2);
    const start = clock.now().getTime();
    await acquire();
    // A second caller has reserved the slot at +500 ms and sleeps towards it...
    const release = hold();
    const waiting = acquire();
    await new Promise((resolve) => setImmediate(resolve));
    // ...when another call is answered 429 with retry-after: 3.
    await limiter.pushBack(3000);
    release();
    await waiting;
    await acquire();
    expect(permits.map((t) => t - start)).toEqual([0, 3000, 3500]);
  });

  it('rounds the spacing up for rates that do not divide a second', async () => {
    const { permits, acquire } = pacedOnFakeClock(3);
    for (let i = 0; i < 4; i++) await acquire();
    expect(permits[3]! - permits[0]!).toBe(3 * 334);
  });

  it('stops waiting when the signal fires', async () => {
    const limiter = new ScheduledSendRate(1, new MemorySchedule());
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
  });
});

describe('the send rate schedule in Redis, shared by instances', () => {
  const opened: RedisSchedule[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const instance = (apiKey: string) => {
    const schedule = new RedisSchedule(REDIS_URL, apiKey, silent);
    opened.push(schedule);
    return schedule;
  };

  it('hands out slots 500 ms apart across two instances of the same team, and apart from another team', async () => {
    const apiKey = `re_${randomBytes(8).toString('hex')}`;
    const [one, two] = [instance(apiKey), instance(apiKey)];
    const slots: number[] = [];
    for (let i = 0; i < 6; i++) slots.push((await (i % 2 ? two : one).reserve(500)).slotMs);
    expect(slots.slice(1).map((slot, i) => slot - slots[i]!)).toEqual([500, 500, 500, 500, 500]);
    // Another team (another API key) has its own schedule: its first slot is now.
    const other = await instance(`re_${randomBytes(8).toString('hex')}`).reserve(500);
    expect(other.slotMs).toBe(other.nowMs);
  });

  it("a 429 on one instance pauses the other instance's slots", async () => {
    const apiKey = `re_${randomBytes(8).toString('hex')}`;
    const [one, two] = [instance(apiKey), instance(apiKey)];
    const first = await one.reserve(500);
    await one.pause(2000);
    expect(await two.pausedFor()).toBeGreaterThan(1000);
    const next = await two.reserve(500);
    expect(next.slotMs).toBeGreaterThanOrEqual(first.nowMs + 2000);
  });
});
