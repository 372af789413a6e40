import { describe, expect, it, vi } from 'vitest';
import { createLiveConnection, sessionEndEvent, shouldRetryLiveSocket } from './live-connection';

describe('the live connection state', () => {
  it('retries network drops and server restarts, but not an ended session', () => {
    for (const code of [1006, 1001, 1005, 1011, 1012, 4499]) {
      expect(shouldRetryLiveSocket({ code, reason: '' })).toBe(true);
    }
    // A dropped network often reaches graphql-ws as a plain error event before the close.
    expect(shouldRetryLiveSocket(new Event('error'))).toBe(true);
    expect(shouldRetryLiveSocket({ code: 4401, reason: 'Session expired' })).toBe(false);
    expect(shouldRetryLiveSocket({ code: 4401, reason: 'Signed out' })).toBe(false);
    expect(shouldRetryLiveSocket({ code: 4403, reason: 'Forbidden' })).toBe(false);
  });

  it('tells "expired" from "signed out"', () => {
    expect(sessionEndEvent({ code: 4401, reason: 'Session expired' }).reason).toBe('SESSION_EXPIRED');
    expect(sessionEndEvent({ code: 4401, reason: 'Signed out' }).reason).toBe('SIGNED_OUT');
    expect(sessionEndEvent({ code: 4403, reason: 'Forbidden' }).reason).toBe('SIGNED_OUT');
  });

  it('goes connecting → connected → reconnecting → connected, announcing only the reconnection', () => {
    const live = createLiveConnection();
    const reconnected = vi.fn();
    live.onReconnected(reconnected);
    expect(live.state.value).toBe('off');
    live.connecting(false);
    expect(live.state.value).toBe('connecting');
    live.connected();
    expect(live.state.value).toBe('connected');
    expect(reconnected).not.toHaveBeenCalled();

    live.closed({ code: 1006, reason: '' });
    expect(live.state.value).toBe('reconnecting');
    live.connecting(true);
    expect(live.state.value).toBe('reconnecting');
    live.connected();
    expect(live.state.value).toBe('connected');
    expect(reconnected).toHaveBeenCalledTimes(1);
  });

  it('counts a retry after a normal close by the server as a drop too', () => {
    const live = createLiveConnection();
    const reconnected = vi.fn();
    live.onReconnected(reconnected);
    live.connected();
    live.closed({ code: 1000, reason: 'Normal Closure' });
    expect(live.state.value).toBe('off');
    live.connecting(true);
    expect(live.state.value).toBe('reconnecting');
    live.connected();
    expect(reconnected).toHaveBeenCalledTimes(1);
  });

  it('reports an ended session once and goes off', () => {
    const onSessionEnded = vi.fn();
    const live = createLiveConnection({ onSessionEnded });
    live.connected();
    live.closed({ code: 4401, reason: 'Session expired' });
    expect(live.state.value).toBe('off');
    expect(onSessionEnded).toHaveBeenCalledWith(expect.objectContaining({ reason: 'SESSION_EXPIRED' }));
  });
});
