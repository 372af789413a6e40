import { afterAll, describe, expect, it } from 'vitest';
import { ImportJobEntity, ImportJobState } from '../../imports/import-job.entity.js';
import { ImportRowEntity } from '../../imports/import-row.entity.js';
import { ScimRequestErrorEntity } from '../../integrations/scim-request-error.entity.js';
import { emptyCounts, SyncRunEntity, SyncRunState, SyncStage, SyncTrigger } from '../../integrations/sync/sync-run.entity.js';
import { SyncItemAction, SyncRunItemEntity } from '../../integrations/sync/sync-run-item.entity.js';
import { newId } from '../../core/db/columns.js';
import { builders } from '../../../test/builders.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../../test/databases.js';
import { createDataSource } from './data-source.js';

const MIGRATION = 'AccountIdOnChildTables1796248874785';

/**
 * The migration that gave import rows, sync run items and SCIM request errors their account_id fills it from each
 * row's parent: rows of two accounts written before it (the column undone), then the migration run again.
 */
describe.each(dialects)('account_id backfill of child tables (%s)', (dialect) => {
  let database: TestDatabase;
  afterAll(() => database?.drop());

  it("gives every existing row its parent's account", async () => {
    database = await createTestDatabase(dialect);
    const dataSource = await createDataSource(database.config);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      const build = builders(dataSource);
      const expected: Array<[table: string, key: string, accountId: string]> = [];
      for (const name of ['Alpha', 'Bravo']) {
        const account = await build.anAccount({ name });
        const now = new Date();
        const job = { ...importJob(account.id, now), id: newId() };
        await dataSource.getRepository(ImportJobEntity).insert(job);
        const integration = await build.aScimIntegration(account.id);
        const run = syncRun(account.id, integration.id, now);
        await dataSource.getRepository(SyncRunEntity).insert(run);
        for (let i = 0; i < 2; i++) {
          await dataSource.getRepository(ImportRowEntity).insert(importRow(job.id, account.id, i));
          await dataSource.getRepository(SyncRunItemEntity).insert(runItem(run.id, account.id, i));
          const errorId = newId();
          await dataSource.getRepository(ScimRequestErrorEntity).insert(scimError(errorId, integration.id, account.id, now));
          expected.push(['import_rows', `${job.id}:${i}`, account.id], ['sync_run_items', `${run.id}:${i}`, account.id]);
          expected.push(['scim_request_errors', errorId, account.id]);
        }
      }

      // Back to the schema before the migration (undoing any later one on the way), then forward again.
      const executed = async () => (await dataSource.query(`SELECT name FROM migrations`)).map((r: { name: string }) => r.name);
      while ((await executed()).includes(MIGRATION)) await dataSource.undoLastMigration({ transaction: 'each' });
      const columns = await dataSource.createQueryRunner().getTable('import_rows');
      expect(columns!.columns.map((c) => c.name)).not.toContain('account_id');
      await dataSource.runMigrations({ transaction: 'each' });

      const rows = [
        ...(await dataSource.query(`SELECT job_id AS parent, row_index AS n, account_id FROM import_rows`)).map(
          (r: { parent: string; n: number; account_id: string }) => ['import_rows', `${r.parent}:${r.n}`, r.account_id],
        ),
        ...(await dataSource.query(`SELECT run_id AS parent, position AS n, account_id FROM sync_run_items`)).map(
          (r: { parent: string; n: number; account_id: string }) => ['sync_run_items', `${r.parent}:${r.n}`, r.account_id],
        ),
        ...(await dataSource.query(`SELECT id, account_id FROM scim_request_errors`)).map((r: { id: string; account_id: string }) => [
          'scim_request_errors',
          r.id,
          r.account_id,
        ]),
      ];
      const sort = (list: unknown[][]) => list.map((r) => r.join(' ')).sort();
      expect(sort(rows)).toEqual(sort(expected));
    } finally {
      await dataSource.destroy();
    }
  });
});

function importJob(accountId: string, now: Date): Omit<ImportJobEntity, 'id'> {
  return {
    accountId,
    createdByPersonId: null,
    origin: 'API',
    fileName: null,
    fileBytes: 0,
    state: ImportJobState.PREVIEW,
    error: null,
    delimiter: null,
    hasHeader: false,
    columns: null,
    mapping: null,
    options: null,
    totalRows: 2,
    processedRows: 0,
    outcomes: null,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
  } as Omit<ImportJobEntity, 'id'>;
}

function syncRun(accountId: string, integrationId: string, now: Date): SyncRunEntity {
  return {
    id: newId(),
    accountId,
    integrationId,
    activeKey: null,
    trigger: SyncTrigger.MANUAL,
    state: SyncRunState.SUCCEEDED,
    dryRun: false,
    stage: SyncStage.DONE,
    removalsConfirmed: false,
    pendingSuspensions: 0,
    counts: JSON.stringify(emptyCounts()),
    itemCount: 2,
    error: null,
    requestedBy: null,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: now,
    startedAt: now,
    finishedAt: now,
    cursor: null,
  } as SyncRunEntity;
}

const importRow = (jobId: string, accountId: string, rowIndex: number): ImportRowEntity => ({
  jobId,
  accountId,
  rowIndex,
  line: rowIndex + 1,
  cells: '[]',
  email: `row${rowIndex}@example.test`,
  name: null,
  jobTitle: null,
  role: null,
  company: null,
  groups: null,
  verdict: 'NEW',
  reason: null,
  outcome: null,
  outcomeReason: null,
  userId: null,
});

const runItem = (runId: string, accountId: string, position: number): SyncRunItemEntity => ({
  runId,
  accountId,
  position,
  resourceType: 'USER',
  externalId: `ext-${position}`,
  label: `user${position}@example.test`,
  action: SyncItemAction.CREATED,
  localId: null,
  message: null,
});

const scimError = (id: string, integrationId: string, accountId: string, now: Date): ScimRequestErrorEntity => ({
  id,
  integrationId,
  accountId,
  method: 'POST',
  path: '/Users',
  status: 409,
  scimType: 'uniqueness',
  detail: 'Already exists.',
  createdAt: now,
});
