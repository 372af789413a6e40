import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { ImportRunner, type ImportRunnerOptions } from './import-runner.js';
import { eventually } from '../../test/eventually.js';

const JOB = `query($id: ID!) { importJob(id: $id) { state } }`;
const START = `mutation($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;

describe.each(dialects)('an import whose runner takes its time (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  const quiet = { info: () => {}, error: () => {} };

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runImportRunner: false, runOutboxWorker: false, runWebhookWorker: false, runSyncEngine: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Slow import MSP' });
    await build.aUser(account.id, { email: 'admin@slow-import.test', role: Role.ADMIN, password: 'admin-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@slow-import.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  const runner = (options: ImportRunnerOptions) =>
    new ImportRunner(roster.dataSource, roster.services.invitations, roster.services.events, quiet, {
      batchSize: 1,
      leaseMs: 60_000,
      ...options,
    });

  it('renews its lease while a batch takes long, so a second instance does not take the job', async () => {
    const uploaded = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', cookie: admin.cookie!, 'x-roster-upload': '1' },
      body: 'email\nslow1@example.test\nslow2@example.test\nslow3@example.test\n',
    });
    const jobId = ((await uploaded.json()) as { job: { id: string } }).job.id;
    await eventually(async () => (await admin.gql(JOB, { id: jobId })).data?.importJob.state === 'PREVIEW', 'the preview being ready');
    await admin.gql(START, { input: { jobId, defaultRole: 'MEMBER', sendEmails: false, unknownCompanies: 'SKIP', unknownGroups: 'SKIP' } });
    const job = () => roster.dataSource.getRepository(ImportJobEntity).findOneByOrFail({ id: jobId });

    // Runner A stops after its first batch, as a batch stuck behind a slow database would.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedHold = false;
    let aheadOfA = 0;
    const a = runner({
      workerId: 'runner-a',
      renewEveryMs: 20,
      now: () => Date.now() + aheadOfA,
      afterBatch: async () => {
        reachedHold = true;
        await held;
      },
    });
    const working = a.runAll();
    await eventually(() => reachedHold, 'the runner reaching the held batch');
    const firstLease = (await job()).leaseUntil!.getTime();

    // Fifty seconds pass for A: its renewals move the lease on.
    aheadOfA = 50_000;
    await eventually(async () => (await job()).leaseUntil!.getTime() > firstLease + 30_000, "the runner renewing the job's lease");

    // Seventy seconds after the batch, its lease would have run out; B finds the job still held.
    expect(await runner({ workerId: 'runner-b', now: () => Date.now() + 70_000 }).runAll()).toBe(0);
    expect(await job()).toMatchObject({ leaseOwner: 'runner-a', processedRows: 1, state: ImportJobState.RUNNING });

    release();
    expect(await working).toBe(1);
    expect(await job()).toMatchObject({ state: ImportJobState.FINISHED, processedRows: 3, leaseOwner: null });
  });
});
