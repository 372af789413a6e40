/** The audit feature's public entry: the audit trail, written in the caller's transaction. */
import type DataLoader from 'dataloader';
import type { AuditLogService } from './audit-log.service.js';
import type { AuditActor } from './audit-log.types.js';

declare module '../core/context.js' {
  interface Services {
    auditLog: AuditLogService;
  }
  interface Loaders {
    /** Keyed `TYPE:id` (see actorKey): who made an audited change. */
    auditActor: DataLoader<string, AuditActor>;
  }
}

// Used by other features.
export { type Actor, recordAudit } from './audit.js';
export { currentRequestIp, currentRequestUserAgent, withRequestScope } from './request-scope.js';
