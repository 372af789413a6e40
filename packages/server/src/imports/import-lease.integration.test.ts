import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { ImportRunner, type ImportRunnerOptions } from './import-runner.js';
import { eventually } from '../../test/eventually.js';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity.js';

const JOB = `query($id: ID!) { importJob(id: $id) { state } }`;
const START = `mutation($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;
const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`;
const DELETE_ENDPOINT = `mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`;

describe.each(dialects)('an import whose runner takes its time (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  const quiet = { info: () => {}, error: () => {} };

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      // The webhook endpoints below point at this machine; nothing is sent (no webhook worker).
      { outboundAllowPrivateNetworks: true },
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

  const startedImport = async (emails: string[]) => {
    const uploaded = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', cookie: admin.cookie!, 'x-roster-upload': '1' },
      body: `email\n${emails.join('\n')}\n`,
    });
    const jobId = ((await uploaded.json()) as { job: { id: string } }).job.id;
    await eventually(async () => (await admin.gql(JOB, { id: jobId })).data?.importJob.state === 'PREVIEW', 'the preview being ready');
    await admin.gql(START, { input: { jobId, defaultRole: 'MEMBER', sendEmails: false, unknownCompanies: 'SKIP', unknownGroups: 'SKIP' } });
    return { jobId, job: () => roster.dataSource.getRepository(ImportJobEntity).findOneByOrFail({ id: jobId }) };
  };

  it('goes on when a webhook endpoint is deleted during the import, and queues every event for the endpoints left', async () => {
    const endpoint = async () => {
      const created = await admin.gql(CREATE_ENDPOINT, {
        input: { url: 'http://127.0.0.1:9/hooks', events: ['user.invited', 'import.finished'] },
      });
      return created.data!.createWebhookEndpoint.endpoint.id as string;
    };
    const [deleted, kept] = [await endpoint(), await endpoint()];
    const deliveries = (endpointId: string) =>
      roster.dataSource
        .getRepository(WebhookDeliveryEntity)
        .findBy({ endpointId })
        .then((rows) => rows.map((r) => r.eventType).sort());
    const { job } = await startedImport(['hook1@example.test', 'hook2@example.test', 'hook3@example.test']);

    const importer = runner({
      afterBatch: async (_job, processed) => {
        if (processed !== 1) return;
        expect(await deliveries(deleted)).toEqual(['user.invited']);
        expect((await admin.gql(DELETE_ENDPOINT, { id: deleted })).errors).toBeUndefined();
      },
    });
    expect(await importer.runAll()).toBe(1);
    expect(await job()).toMatchObject({ state: ImportJobState.FINISHED, processedRows: 3, outcomes: JSON.stringify({ INVITED: 3 }) });
    expect(await deliveries(kept)).toEqual(['import.finished', 'user.invited', 'user.invited', 'user.invited']);
  });

  it('renews its lease while a batch takes long, so a second instance does not take the job', async () => {
    const { job } = await startedImport(['slow1@example.test', 'slow2@example.test', 'slow3@example.test']);

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
