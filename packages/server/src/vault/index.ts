/** The vault feature's public entry: shared credentials of client companies, sealed at rest, revealed one at a time. */
import type { VaultService } from './vault.service.js';

declare module '../core/context.js' {
  interface Services {
    vault: VaultService;
  }
}

export { VaultService, type VaultServiceOptions } from './vault.service.js';
export { VaultSync, type UpstreamVaultItem, type VaultSyncOutcome } from './vault-sync.js';
export { rotateVaultDataKeys } from './vault-keys.js';
export { VaultItemEntity } from './vault-item.entity.js';
export { VaultDataKeyEntity } from './vault-data-key.entity.js';
export { VaultAccessEntity } from './vault-access.entity.js';
