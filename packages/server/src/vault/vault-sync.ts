import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { newId } from '../core/db/columns.js';
import { fieldBinding, type DataKey, type VaultKeys } from './vault-keys.js';
import { VaultItemEntity } from './vault-item.entity.js';
import { normalizeValues, type VaultItemValues } from './vault-item-row.js';

/** One credential as an integration lists it, with its values read. */
export interface UpstreamVaultItem extends VaultItemValues {
  upstreamId: string;
  companyId: string;
}

export type VaultSyncOutcome = 'CREATED' | 'UPDATED' | 'RESTORED' | 'UNCHANGED';

/** Seals an item's secret fields under the data key, bound to the item and field. */
export function sealValues(key: DataKey, itemId: string, values: VaultItemValues) {
  return {
    sealedPassword: key.box.seal(values.password, fieldBinding(itemId, 'password')),
    sealedNotes: values.notes === null ? null : key.box.seal(values.notes, fieldBinding(itemId, 'notes')),
    sealedTotpSecret: values.totpSecret === null ? null : key.box.seal(values.totpSecret, fieldBinding(itemId, 'totp')),
  };
}

const digestOf = (key: DataKey, item: UpstreamVaultItem): string =>
  key.digest(JSON.stringify([item.companyId, item.name, item.username, item.url, item.password, item.notes, item.totpSecret]));

/**
 * Keeps the vault in step with an integration, idempotent by (integration, upstream id): a new item is created, a
 * changed one rewritten (compared by a keyed digest, so no value is ever compared or logged in clear), one archived
 * earlier and listed again restored. A dry run reads and says what it would do, writing nothing.
 * Outcomes never carry a secret.
 */
export class VaultSync {
  constructor(private readonly keys: VaultKeys) {}

  async upsert(
    manager: EntityManager,
    accountId: string,
    integrationId: string,
    upstream: UpstreamVaultItem,
    { dryRun, seenAt }: { dryRun: boolean; seenAt: Date },
  ) {
    const item = { ...upstream, ...normalizeValues(upstream) };
    const key = await this.keys.forAccount(manager, accountId);
    const repo = manager.getRepository(VaultItemEntity);
    const existing = await repo.findOneBy({ integrationId, upstreamId: item.upstreamId, accountId });
    const digest = digestOf(key, item);
    const now = new Date();
    if (!existing) {
      const id = newId();
      if (!dryRun)
        await repo.insert({
          id,
          accountId,
          companyId: item.companyId,
          name: item.name,
          username: item.username,
          url: item.url,
          ...sealValues(key, id, item),
          integrationId,
          upstreamId: item.upstreamId,
          upstreamDigest: digest,
          upstreamSeenAt: seenAt,
          createdAt: now,
          updatedAt: now,
          archivedAt: null,
        });
      return { outcome: 'CREATED' as VaultSyncOutcome, id, name: item.name };
    }
    if (existing.upstreamDigest === digest && existing.archivedAt === null) {
      if (!dryRun) await repo.update({ id: existing.id }, { upstreamSeenAt: seenAt });
      return { outcome: 'UNCHANGED' as VaultSyncOutcome, id: existing.id, name: item.name };
    }
    const outcome: VaultSyncOutcome = existing.upstreamDigest === digest ? 'RESTORED' : 'UPDATED';
    if (!dryRun)
      await repo.update(
        { id: existing.id },
        {
          companyId: item.companyId,
          name: item.name,
          username: item.username,
          url: item.url,
          ...sealValues(key, existing.id, item),
          upstreamDigest: digest,
          upstreamSeenAt: seenAt,
          updatedAt: now,
          archivedAt: null,
        },
      );
    return { outcome, id: existing.id, name: item.name };
  }

  /**
   * The integration's current items not listed by this run (gone upstream), and how many current items it has (what the
   * mass-removal safeguard weighs them against): those a sync has not seen since the run began (resumable: the mark is in
   * the table), or for a dry run, which writes nothing, those not in its `listed` set.
   */
  async missing(
    manager: EntityManager,
    accountId: string,
    integrationId: string,
    by: { seenBefore: Date } | { listed: Set<string> },
  ): Promise<{ gone: Array<{ id: string; name: string; upstreamId: string }>; total: number }> {
    const current = await manager.getRepository(VaultItemEntity).find({
      where: { accountId, integrationId, archivedAt: IsNull(), upstreamId: Not(IsNull()) },
      select: { id: true, name: true, upstreamId: true, upstreamSeenAt: true },
      order: { name: 'ASC', id: 'ASC' },
    });
    const gone = current.filter((row) =>
      'listed' in by ? !by.listed.has(row.upstreamId!) : row.upstreamSeenAt === null || row.upstreamSeenAt < by.seenBefore,
    );
    return { gone: gone.map((row) => ({ id: row.id, name: row.name, upstreamId: row.upstreamId! })), total: current.length };
  }

  /** Archives these items of the account (gone upstream); one archived meanwhile keeps its first date. */
  async archive(manager: EntityManager, accountId: string, ids: string[]): Promise<void> {
    const now = new Date();
    for (let i = 0; i < ids.length; i += 500)
      await manager
        .getRepository(VaultItemEntity)
        .update({ accountId, id: In(ids.slice(i, i + 500)), archivedAt: IsNull() }, { archivedAt: now, updatedAt: now });
  }
}
