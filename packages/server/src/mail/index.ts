/** The mail feature's public entry: the transactional outbox and the dev mailbox. */
import type { DevMailbox } from './dev-mailbox.js';
import type { OutboxWorker } from './outbox-worker.js';
import type { SendRateLimiter } from './send-rate.js';

declare module '../core/context.js' {
  interface Services {
    outbox: OutboxWorker;
    /** Permits for calls to Resend, shared by every instance through Redis when set; null with the dev mailbox. */
    sendRate: SendRateLimiter | null;
    devMailbox: DevMailbox;
  }
}

// Used by other features.
export { renderInvitationEmail } from './invitation-email.js';
export { type EmailToQueue, enqueueEmails } from './outbox.js';
