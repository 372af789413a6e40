import type { DataSource } from 'typeorm';
import { inTransaction } from '../../core/db/transaction.js';
import { yieldToEventLoop } from '../../core/workers/event-loop.js';
import type { VaultSync } from '../../vault/index.js';
import type { DirectoryPassword } from '../connectors/connector.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType } from '../integration-kinds.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import type { SyncRunEntity } from './sync-run.entity.js';
import { linkedLocalIds, type RecordOutcome } from './page-outcome.js';

const YIELD_EVERY = 20;

/**
 * The PASSWORDS stage: a page of upstream passwords kept in step with the company vault (vault/vault-sync.ts, idempotent
 * by integration and upstream id). Items no longer listed are archived by the run's removals (removals.ts), under the
 * mass-removal safeguard. An item's run row names it and says what happened, never a value; the values exist here only
 * until the vault seals them.
 */
export class PasswordStage {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: VaultSync,
  ) {}

  async applyPage(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    passwords: DirectoryPassword[],
    listed: Set<string>,
    record: RecordOutcome,
  ): Promise<void> {
    const companyIds = passwords.map((p) => p.companyExternalId).filter((id): id is string => !!id);
    const companies = await linkedLocalIds(this.dataSource, integration, ExternalResourceType.COMPANY, companyIds);
    // Listed upstream: never archived by this run, whatever happens to it below.
    for (const password of passwords) listed.add(password.externalId);
    const seenAt = run.startedAt ?? new Date();
    for (const [index, password] of passwords.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      const base = { resourceType: ExternalResourceType.VAULT_ITEM, externalId: password.externalId, label: password.name };
      const companyId = password.companyExternalId ? companies.get(password.companyExternalId) : undefined;
      if (!companyId) {
        if (run.dryRun && password.companyExternalId)
          record('created', { ...base, action: SyncItemAction.CREATED, localId: null, message: "Would add it to its company's vault." });
        else
          record('skipped', {
            ...base,
            action: SyncItemAction.SKIPPED,
            localId: null,
            message: 'Its organization is not a company in Roster, so it has no vault to go to.',
          });
        continue;
      }
      const result = await inTransaction(this.dataSource, (manager) =>
        this.vault.upsert(
          manager,
          integration.accountId,
          integration.id,
          {
            upstreamId: password.externalId,
            companyId,
            name: password.name,
            username: password.username,
            url: password.url,
            password: password.password,
            notes: password.notes,
            totpSecret: password.totpSecret ?? null,
          },
          { dryRun: run.dryRun, seenAt },
        ),
      );
      if (result.outcome === 'UNCHANGED') record('unchanged', null);
      else if (result.outcome === 'CREATED')
        record('created', { ...base, action: SyncItemAction.CREATED, localId: run.dryRun ? null : result.id, message: null });
      else if (result.outcome === 'RESTORED')
        record('restored', {
          ...base,
          action: SyncItemAction.RESTORED,
          localId: result.id,
          message: 'Listed upstream again: no longer archived.',
        });
      else record('updated', { ...base, action: SyncItemAction.UPDATED, localId: result.id, message: null });
    }
  }
}
