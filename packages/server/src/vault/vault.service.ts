import type { DataSource } from 'typeorm';
import { badInput } from '../core/errors.js';
import { fromSqlDateTime, newId } from '../core/db/columns.js';
import { inTransaction } from '../core/db/transaction.js';
import { isUniqueViolation } from '../core/db/unique-violation.js';
import { toPageRequest, type Connection, type PageArgs } from '../core/lists/connection.js';
import { readKeysetPage } from '../core/lists/keyset.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import type { Logger } from '../core/logger.js';
import { recordAudit } from '../audit/index.js';
import type { SecretBox } from '../integrations/index.js';
import { VaultItemEntity } from './vault-item.entity.js';
import { VaultAccessEntity } from './vault-access.entity.js';
import { groupsWithAccess, mayUseVault, ownCompany, ownGroup, requireVaultAccess } from './vault-access.js';
import { VaultKeys } from './vault-keys.js';
import { VaultSync } from './vault-sync.js';
import { sealValues } from './vault-sync.js';
import { normalizeValues, toVaultItem } from './vault-item-row.js';
import { DEFAULT_REVEAL_LIMITS, RevealThrottle, revealVaultItem, type RevealLimits } from './reveal.js';
import type { CreateVaultItemInput, RevealedVaultItem, VaultAccess, VaultItem } from './vault.types.js';

const MAX_SEARCH_LENGTH = 200;
const ORDER = 'NAME:ASC';

export interface VaultServiceOptions {
  revealLimits?: Partial<RevealLimits>;
  /** Where a reveal reports an item whose TOTP secret makes no code. */
  logger?: Logger;
}

/** The company vault: lists (never a secret), reveals (audited, throttled), access grants, and the sync's writer. */
export class VaultService {
  readonly keys: VaultKeys;
  readonly sync: VaultSync;
  private readonly throttle: RevealThrottle;

  constructor(
    private readonly dataSource: DataSource,
    master: SecretBox,
    boxFor: (key: Buffer) => SecretBox,
    private readonly options: VaultServiceOptions = {},
  ) {
    this.keys = new VaultKeys(master, boxFor);
    this.sync = new VaultSync(this.keys);
    this.throttle = new RevealThrottle({ ...DEFAULT_REVEAL_LIMITS, ...options.revealLimits });
  }

  /** One company's items by name; archived ones only when asked. Refused to anyone who may not use the vault. */
  async list(
    viewer: Viewer,
    companyId: string,
    page: PageArgs | undefined,
    search: string | null | undefined,
    includeArchived: boolean,
  ): Promise<Connection<VaultItem>> {
    await ownCompany(this.dataSource.manager, viewer, companyId, 'companyId');
    await requireVaultAccess(this.dataSource.manager, viewer, companyId);
    if (search && search.length > MAX_SEARCH_LENGTH)
      throw badInput('search', `Search text can be at most ${MAX_SEARCH_LENGTH} characters.`);
    const request = toPageRequest(page, ORDER);
    const filtered = () => {
      const query = this.dataSource
        .getRepository(VaultItemEntity)
        .createQueryBuilder('v')
        .where('v.account_id = :accountId AND v.company_id = :companyId', { accountId: viewer.accountId, companyId });
      if (!includeArchived) query.andWhere('v.archived_at IS NULL');
      const term = search?.trim().toLowerCase();
      if (term) {
        const pattern = `%${term.replace(/[!%_]/g, (c) => '!' + c)}%`;
        query.andWhere(
          "(LOWER(v.name) LIKE :pattern ESCAPE '!' OR LOWER(v.username) LIKE :pattern ESCAPE '!' OR LOWER(v.url) LIKE :pattern ESCAPE '!')",
          {
            pattern,
          },
        );
      }
      return query;
    };
    // Only the plain columns are read: a list cannot leak what it never loads.
    const columns = [
      'id',
      'company_id',
      'name',
      'username',
      'url',
      'integration_id',
      'upstream_id',
      'created_at',
      'updated_at',
      'archived_at',
    ];
    const select = [
      ...columns.map((c) => `v.${c} AS ${c}`),
      'CASE WHEN v.sealed_notes IS NULL THEN 0 ELSE 1 END AS has_notes',
      'CASE WHEN v.sealed_totp_secret IS NULL THEN 0 ELSE 1 END AS has_totp',
    ];
    const [result, count] = await Promise.all([
      readKeysetPage<ListRow, VaultItem, VaultItemEntity>(filtered().select(select), {
        sortKey: 'LOWER(v.name)',
        idColumn: 'v.id',
        ascending: true,
        request,
        orderName: ORDER,
        toNode: fromListRow,
      }),
      filtered().select('COUNT(*) AS n').getRawOne(),
    ]);
    return { ...result, totalCount: Number(count?.n ?? 0) };
  }

  async reveal(viewer: Viewer, itemId: string): Promise<RevealedVaultItem> {
    return revealVaultItem(this.dataSource, this.keys, this.throttle, viewer, itemId, this.options.logger);
  }

  /** An item typed in by an administrator (not synced). Audited without its values. */
  async create(viewer: Viewer, input: CreateVaultItemInput): Promise<VaultItem> {
    return inTransaction(this.dataSource, async (manager) => {
      await ownCompany(manager, viewer, input.companyId, 'input.companyId');
      if (!input.name.trim()) throw badInput('input.name', 'Give the item a name.');
      if (!input.password) throw badInput('input.password', 'Give the password.');
      const values = normalizeValues({
        name: input.name,
        username: input.username ?? null,
        url: input.url ?? null,
        password: input.password,
        notes: input.notes ?? null,
        totpSecret: input.totpSecret ?? null,
      });
      const key = await this.keys.forAccount(manager, viewer.accountId);
      const id = newId();
      const now = new Date();
      const row: VaultItemEntity = {
        id,
        accountId: viewer.accountId,
        companyId: input.companyId,
        name: values.name,
        username: values.username,
        url: values.url,
        ...sealValues(key, id, values),
        integrationId: null,
        upstreamId: null,
        upstreamDigest: null,
        upstreamSeenAt: null,
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      };
      await manager.getRepository(VaultItemEntity).insert(row);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'vault.item_created', targetId: id, details: { itemName: values.name, companyId: input.companyId } },
      ]);
      return toVaultItem(row);
    });
  }

  async access(viewer: Viewer, companyId: string): Promise<VaultAccess> {
    const manager = this.dataSource.manager;
    const company = await ownCompany(manager, viewer, companyId, 'companyId');
    const viewerCanReveal = await mayUseVault(manager, viewer, companyId);
    // Members see whether they may reveal; which groups may, and the company's name, only those who may use the vault.
    const groups = viewerCanReveal ? await groupsWithAccess(manager, viewer.accountId, companyId) : [];
    return {
      companyId,
      companyName: viewerCanReveal ? company.name : null,
      groups: groups.map((g) => ({ id: g.id, name: g.name, description: g.description })),
      viewerCanReveal,
    };
  }

  /** Lets a group's members open a company's vault (administrators only; the resolver asked). Granting twice is a no-op. */
  async grant(viewer: Viewer, companyId: string, groupId: string): Promise<VaultAccess> {
    await inTransaction(this.dataSource, async (manager) => {
      await ownCompany(manager, viewer, companyId, 'input.companyId');
      const group = await ownGroup(manager, viewer, groupId, 'input.groupId');
      const repo = manager.getRepository(VaultAccessEntity);
      if (await repo.findOneBy({ companyId, groupId })) return;
      try {
        await repo.insert({ id: newId(), accountId: viewer.accountId, companyId, groupId, createdAt: new Date() });
      } catch (error) {
        if (isUniqueViolation(error)) return;
        throw error;
      }
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'vault.access_granted', targetId: companyId, details: { groupId, groupName: group.name } },
      ]);
    });
    return this.access(viewer, companyId);
  }

  async revoke(viewer: Viewer, companyId: string, groupId: string): Promise<VaultAccess> {
    await inTransaction(this.dataSource, async (manager) => {
      await ownCompany(manager, viewer, companyId, 'input.companyId');
      const group = await ownGroup(manager, viewer, groupId, 'input.groupId');
      const removed = await manager.getRepository(VaultAccessEntity).delete({ accountId: viewer.accountId, companyId, groupId });
      if (removed.affected)
        await recordAudit(manager, viewer.accountId, actorOf(viewer), [
          { action: 'vault.access_revoked', targetId: companyId, details: { groupId, groupName: group.name } },
        ]);
    });
    return this.access(viewer, companyId);
  }
}

interface ListRow {
  id: string;
  company_id: string;
  name: string;
  username: string | null;
  url: string | null;
  integration_id: string | null;
  upstream_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  archived_at: Date | string | null;
  has_notes: number | string;
  has_totp: number | string;
}

function fromListRow(row: ListRow): VaultItem {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    username: row.username,
    url: row.url,
    hasNotes: Number(row.has_notes) === 1,
    hasTotp: Number(row.has_totp) === 1,
    integrationId: row.integration_id,
    upstreamId: row.upstream_id,
    createdAt: fromSqlDateTime(row.created_at),
    updatedAt: fromSqlDateTime(row.updated_at),
    archivedAt: row.archived_at === null ? null : fromSqlDateTime(row.archived_at),
  };
}
