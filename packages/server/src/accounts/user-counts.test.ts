import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../core/events.js';
import { UserCounts } from './user-counts.js';

const event = (accountId: string) => ({ accountId, type: 'user.invited' as const, userIds: ['u1'], at: new Date() });

describe('the Users page total count', () => {
  function setup() {
    const events = new InProcessEventBus();
    let clock = 0;
    const counts = new UserCounts(events, { cacheFrom: 100, ttlMs: 60_000, now: () => clock });
    let rows = 1_000;
    let reads = 0;
    const count = (accountId = 'a1', key = 'all') =>
      counts.count(accountId, key, async () => {
        reads++;
        return rows;
      });
    return { events, count, setRows: (n: number) => (rows = n), reads: () => reads, tick: (ms: number) => (clock += ms) };
  }

  it('is read once per list view of a large account and reused by its next pages', async () => {
    const t = setup();
    expect(await t.count()).toBe(1_000);
    expect(await t.count()).toBe(1_000);
    expect(await t.count()).toBe(1_000);
    expect(t.reads()).toBe(1);
  });

  it('is read again as soon as the account publishes a change, and not for another account’s change', async () => {
    const t = setup();
    await t.count('a1');
    await t.count('a2');
    t.setRows(1_001);
    t.events.publish(event('a1'));
    expect(await t.count('a1')).toBe(1_001);
    expect(await t.count('a2')).toBe(1_000);
    expect(t.reads()).toBe(3);
  });

  it('is read on every page below the threshold, and after the time limit', async () => {
    const t = setup();
    t.setRows(99);
    await t.count();
    await t.count();
    expect(t.reads()).toBe(2);
    t.setRows(1_000);
    await t.count();
    t.tick(59_999);
    await t.count();
    expect(t.reads()).toBe(3);
    t.tick(1);
    await t.count();
    expect(t.reads()).toBe(4);
  });

  it('does not keep a count that was being read when a change was published', async () => {
    const events = new InProcessEventBus();
    const counts = new UserCounts(events, { cacheFrom: 1 });
    let release!: (n: number) => void;
    const slow = counts.count('a1', 'all', () => new Promise<number>((resolve) => (release = resolve)));
    events.publish(event('a1'));
    release(500);
    expect(await slow).toBe(500);
    let reads = 0;
    expect(await counts.count('a1', 'all', async () => (reads++, 501))).toBe(501);
    expect(reads).toBe(1);
  });
});
