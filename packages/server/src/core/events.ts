import { EventEmitter } from 'node:events';

/** A change admins may want to see live or react to. Published only after its transaction commits. */
export interface AccountEvent {
  accountId: string;
  type:
    | 'user.invited'
    | 'user.reinvited'
    | 'user.uninvited'
    | 'user.accepted'
    | 'user.invitation_expired'
    | 'user.changed'
    | 'user.suspended'
    | 'user.restored'
    | 'email.delivery_changed'
    | 'import.progress'
    | 'integration.sync';
  /** The users (memberships) concerned. */
  userIds: string[];
  /** The import job (import.progress) or the sync run (integration.sync). */
  jobId?: string;
  at: Date;
}

/**
 * The most users a live event lists. Past it, dashboards are told to read their lists again (`resync`) instead, so a
 * publisher of a change that large need not read more than LIVE_EVENT_USER_LIMIT + 1 of the ids.
 */
export const LIVE_EVENT_USER_LIMIT = 1_000;

export interface EventBus {
  publish(event: AccountEvent): void;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: AccountEvent) => void): () => void;
  /**
   * Called when events of other instances may have been missed (the connection between instances was lost and is back),
   * so live clients can be told to read everything again. Returns an unsubscribe function. A bus within one process
   * never misses events and need not implement it.
   */
  onMissedEvents?(listener: () => void): () => void;
}

/** The embedded default: events stay inside this process. */
export class InProcessEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(event: AccountEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: AccountEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
