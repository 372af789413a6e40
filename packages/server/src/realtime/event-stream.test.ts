import { describe, expect, it } from 'vitest';
import { accountEvents } from './event-stream.js';
import { InProcessEventBus, type AccountEvent } from '../core/events.js';

const event = (accountId: string, n: number): AccountEvent => ({ accountId, type: 'user.invited', userIds: [`u${n}`], at: new Date() });

describe('accountEvents', () => {
  it("delivers only the account's own events, in order", async () => {
    const bus = new InProcessEventBus();
    const stream = accountEvents(bus, 'a', () => true);
    bus.publish(event('b', 1));
    bus.publish(event('a', 2));
    bus.publish(event('a', 3));
    expect((await stream.next()).value.userIds).toEqual(['u2']);
    expect((await stream.next()).value.userIds).toEqual(['u3']);
    await stream.return!();
  });

  it('keeps at most maxQueue events for a slow consumer and tells it to resync', async () => {
    const bus = new InProcessEventBus();
    const stream = accountEvents(bus, 'a', () => true, 10);
    for (let i = 0; i < 1000; i++) bus.publish(event('a', i));
    const first = (await stream.next()).value;
    expect(first.userIds).toEqual(['u990']);
    expect(first.resync).toBe(true);
    expect((await stream.next()).value.resync).toBe(false);
    await stream.return!();
  });

  it('stops listening when the consumer goes away', async () => {
    const bus = new InProcessEventBus();
    const stream = accountEvents(bus, 'a', () => true);
    await stream.return!();
    bus.publish(event('a', 1));
    expect((await stream.next()).done).toBe(true);
  });
});
