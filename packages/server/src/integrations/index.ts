/** The integrations feature's public entry: integrations, connectors, provisioning and the sync engine. */
import type { IntegrationService } from './integration.service.js';
import type { ProvisioningService } from './provisioning.service.js';
import type { SecretBox } from './secret-box.js';
import type { SyncEngine } from './sync/sync-engine.js';

declare module '../core/context.js' {
  interface Services {
    /** Seals and opens integration credentials (AES-256-GCM). */
    secretBox: SecretBox;
    /** Turns upstream users, groups and companies into Roster's (SCIM and every sync). */
    provisioning: ProvisioningService;
    /** Integration set-up, connection tests and sync requests. */
    integrations: IntegrationService;
    /** Runs syncs (resumable, leased) and starts scheduled ones. */
    syncEngine: SyncEngine;
  }
}

// Used by other features.
export { ExternalResourceType, IntegrationStatus, IntegrationType } from './integration-kinds.js';
export { ProvisionAction, ProvisioningError, type UpstreamUser } from './provisioning.service.js';
export type { SecretBox } from './secret-box.js';
export { noteScimRequest, recordScimError } from './scim-activity.js';
