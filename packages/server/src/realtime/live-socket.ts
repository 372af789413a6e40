import type { ExecutionResult } from 'graphql';

/** The part of a `ws` WebSocket the hub writes live events to. */
export interface LiveSocket {
  readonly readyState: number;
  /** Bytes handed to `send` that the kernel has not taken yet. */
  readonly bufferedAmount: number;
  send(data: string, callback?: (error?: Error) => void): void;
}

/** ws's `WebSocket.OPEN`. */
const OPEN = 1;

const outlets = new WeakMap<object, LiveOutlet>();

/**
 * Wiring (graphql-ws's `context` hook, which is called per operation with its id): the subscription whose
 * context this is writes its live events to `socket` itself, as graphql-ws's `next` messages of operation `id`.
 * graphql-ws keeps the rest of the protocol (init, subscribe, complete, errors, pings); see `LiveOutlet`.
 */
export function attachLiveSocket(context: object, socket: LiveSocket, id: string): void {
  outlets.set(context, new LiveOutlet(socket, id));
}

export function liveOutletOf(context: unknown): LiveOutlet | undefined {
  return typeof context === 'object' && context !== null ? outlets.get(context) : undefined;
}

/**
 * One subscription's `next` messages, written straight to its socket. graphql-ws would, per socket and event,
 * wake the subscription's iterator, await it, stringify the whole message and await the write's callback; at
 * thousands of sockets per event that per-socket work was most of the fan-out's CPU. Here the payload is
 * serialised once per event and audience (`nextPayloadJson`, shared by every socket of the group) and each
 * socket's message is that text with its own operation id around it: the same bytes graphql-ws would send.
 */
export class LiveOutlet {
  private readonly prefix: string;

  constructor(
    private readonly socket: LiveSocket,
    readonly id: string,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  }

  /** Something is still waiting to go out: a new message must queue behind it (the slow-consumer path). */
  get congested(): boolean {
    return this.socket.bufferedAmount > 0;
  }

  /** Hands the message to the socket now (a closed socket is skipped, as graphql-ws does). */
  write(payloadJson: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(this.prefix + payloadJson + '}');
  }

  /** Hands the message over and resolves once the kernel has taken it (or the socket is gone): paces a slow consumer. */
  writeAndWait(payloadJson: string): Promise<void> {
    if (this.socket.readyState !== OPEN) return Promise.resolve();
    return new Promise((resolve) => this.socket.send(this.prefix + payloadJson + '}', () => resolve()));
  }
}

/** The `payload` of graphql-ws's `next` message for `result`, as graphql-ws serialises it (errors last, as their JSON). */
export function nextPayloadJson(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  return JSON.stringify(errors ? { ...rest, errors: errors.map((error) => error.toJSON()) } : rest);
}
