import { createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { SecretBox } from '../integrations/index.js';
import { VaultDataKeyEntity } from './vault-data-key.entity.js';

/** What a data key is bound to when ROSTER_CREDENTIALS_KEY seals it, so a sealed key cannot be moved to another account. */
const dataKeyBinding = (accountId: string): string => `vault-data-key:${accountId}`;

/** What a sealed field is bound to: its item and field, so a sealed password cannot be pasted into another item. */
export const fieldBinding = (itemId: string, field: 'password' | 'notes' | 'totp'): string => `vault:${itemId}:${field}`;

/** One account's opened data key: seals and opens its items' secret fields. */
export interface DataKey {
  box: SecretBox;
  /** A keyed digest (HMAC-SHA-256 under the data key), so a sync can tell changed values without storing them in clear. */
  digest(value: string): string;
}

/**
 * Envelope encryption for the vault: every account has its own random 32-byte data key, sealed by the master key
 * (ROSTER_CREDENTIALS_KEY). Items are sealed under the data key, so rotating the master key re-seals one row per
 * account (rotateVaultDataKeys), never the items.
 */
export class VaultKeys {
  /** `boxFor` makes a box around a data key (the roof hands in SecretBox's constructor: the vault writes no crypto of its own). */
  constructor(
    private readonly master: SecretBox,
    private readonly boxFor: (key: Buffer) => SecretBox,
  ) {}

  /** The account's data key, made (and sealed) on first use inside the caller's transaction. */
  async forAccount(manager: EntityManager, accountId: string): Promise<DataKey> {
    const repo = manager.getRepository(VaultDataKeyEntity);
    let row = await repo.findOneBy({ accountId });
    if (!row) {
      const fresh = randomBytes(32);
      row = {
        accountId,
        sealedKey: this.master.seal(fresh.toString('base64'), dataKeyBinding(accountId)),
        createdAt: new Date(),
        resealedAt: null,
      };
      // Two first uses at once: the loser reads the winner's key.
      await repo.createQueryBuilder().insert().values(row).orIgnore().execute();
      row = await repo.findOneByOrFail({ accountId });
    }
    return openDataKey(this.master, row, this.boxFor);
  }
}

function openDataKey(master: SecretBox, row: VaultDataKeyEntity, boxFor: (key: Buffer) => SecretBox): DataKey {
  const key = Buffer.from(master.open(row.sealedKey, dataKeyBinding(row.accountId)), 'base64');
  return { box: boxFor(key), digest: (value) => createHmac('sha256', key).update(value).digest('hex') };
}

/**
 * Re-seals every account's data key from one master key to another, in one transaction: items stay as they are.
 * Rows already sealed by the new key are left alone, so running it twice (or after a crash) is harmless.
 */
export async function rotateVaultDataKeys(
  manager: EntityManager,
  from: SecretBox,
  to: SecretBox,
): Promise<{ resealed: number; already: number }> {
  const repo = manager.getRepository(VaultDataKeyEntity);
  let resealed = 0;
  let already = 0;
  for (const row of await repo.find()) {
    const binding = dataKeyBinding(row.accountId);
    let plain: string;
    try {
      plain = from.open(row.sealedKey, binding);
    } catch {
      to.open(row.sealedKey, binding); // throws when neither key opens it: nothing is written
      already++;
      continue;
    }
    await repo.update({ accountId: row.accountId }, { sealedKey: to.seal(plain, binding), resealedAt: new Date() });
    resealed++;
  }
  return { resealed, already };
}
