import { inject, readonly, shallowRef, type InjectionKey, type Ref } from 'vue';
import type { UnauthenticatedEvent } from './unauthenticated';

/**
 * The state of the live-updates WebSocket (graphql-ws), as the dashboard shows it:
 * - `off`: no socket (nobody subscribes yet, the session ended, or the last subscription went away);
 * - `connecting`: the first connection is being made;
 * - `connected`: open and acknowledged;
 * - `reconnecting`: the socket dropped (network, server restart) and graphql-ws is retrying with backoff.
 */
export type LiveState = 'off' | 'connecting' | 'connected' | 'reconnecting';

/** A close event as graphql-ws reports it (a browser CloseEvent, or graphql-ws's own Terminated event). */
export interface CloseLike {
  code: number;
  reason: string;
}

/** Close code of a socket whose session ended (expired or signed out) while it was open. */
export const SESSION_ENDED_CLOSE_CODE = 4401;
/** Close code of a socket opened without a valid session (graphql-ws's Forbidden). */
export const NO_SESSION_CLOSE_CODE = 4403;

export function isCloseLike(value: unknown): value is CloseLike {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/** The closes that mean "sign in again": retrying cannot help. */
export function isSessionClose(value: unknown): value is CloseLike {
  return isCloseLike(value) && (value.code === SESSION_ENDED_CLOSE_CODE || value.code === NO_SESSION_CLOSE_CODE);
}

/**
 * graphql-ws `shouldRetry`: everything but an ended session is worth retrying. Its default retries close events
 * only, but a dropped network often surfaces first as a plain `error` event, which would end live updates for good.
 * (Abnormal closures such as 1006 server gone, 1001 going away and 1005 no status reach this as close events.)
 */
export function shouldRetryLiveSocket(errOrCloseEvent: unknown): boolean {
  return !isSessionClose(errOrCloseEvent);
}

/** What the sign-in page should say after a session close: 4401 "Session expired" → expired, else signed out. */
export function sessionEndEvent(close: CloseLike): UnauthenticatedEvent {
  const expired = close.code === SESSION_ENDED_CLOSE_CODE && /expired/i.test(close.reason);
  return { reason: expired ? 'SESSION_EXPIRED' : 'SIGNED_OUT', operationName: 'live-updates' };
}

export interface LiveConnection {
  state: Readonly<Ref<LiveState>>;
  /** Feed graphql-ws client events here (apollo.ts passes them as the client's `on` listeners; tests call them). */
  /** `isRetry`: graphql-ws is connecting again after a close (its backoff between attempts is over). */
  connecting(isRetry?: boolean): void;
  connected(): void;
  closed(event: unknown): void;
  /** Called on every `connected` that follows a dropped connection; returns an unsubscribe function. */
  onReconnected(listener: () => void): () => void;
}

export interface CreateLiveConnectionOptions {
  /** The server closed the socket because the session ended (4401) or was never valid (4403). */
  onSessionEnded?: (event: UnauthenticatedEvent) => void;
}

export function createLiveConnection(options: CreateLiveConnectionOptions = {}): LiveConnection {
  const state = shallowRef<LiveState>('off');
  const reconnectedListeners = new Set<() => void>();
  /** A drop happened since the last acknowledged connection: the next one must catch up. */
  let dropped = false;

  return {
    state: readonly(state),
    connecting(isRetry = false) {
      if (isRetry) dropped = true;
      if (isRetry || state.value === 'reconnecting') state.value = 'reconnecting';
      else state.value = 'connecting';
    },
    connected() {
      state.value = 'connected';
      if (!dropped) return;
      dropped = false;
      for (const listener of [...reconnectedListeners]) listener();
    },
    closed(event) {
      if (isSessionClose(event)) {
        state.value = 'off';
        dropped = false;
        options.onSessionEnded?.(sessionEndEvent(event));
        return;
      }
      // 1000: graphql-ws closed it itself because no subscription needs it any more (if the server closed it
      // normally while subscriptions remain, graphql-ws retries and `connecting(true)` says so).
      if (isCloseLike(event) && event.code === 1000) {
        state.value = 'off';
        dropped = false;
        return;
      }
      state.value = 'reconnecting';
      dropped = true;
    },
    onReconnected(listener) {
      reconnectedListeners.add(listener);
      return () => reconnectedListeners.delete(listener);
    },
  };
}

export const LiveConnectionKey: InjectionKey<LiveConnection> = Symbol('LiveConnection');

/** The app's live connection; a permanently `off` one where none is provided (components mounted alone). */
export function useLiveConnection(): LiveConnection {
  return inject(LiveConnectionKey, null) ?? createLiveConnection();
}
