import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import { OutboundHttp } from '../../core/http/outbound-http.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { FakeMicrosoftGraph } from '../../../test/fakes/microsoft-graph.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import type { ConnectorEnvironment } from '../connectors/connector.js';
import { SyncEngine, type SyncEngineOptions } from './sync-engine.js';
import { SyncRunEntity, SyncRunState } from './sync-run.entity.js';
import { eventually } from '../../../test/eventually.js';

const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`;
const START = `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`;

describe.each(dialects)('sync runs against a vendor that stops answering (%s)', (dialect) => {
  let roster: TestRoster;
  let graph: FakeMicrosoftGraph;
  let admin: TestClient;
  const engines: Array<Promise<unknown>> = [];
  const quiet = { info: () => {}, error: () => {} };

  beforeAll(async () => {
    graph = await new FakeMicrosoftGraph().start();
    roster = await startTestRoster(
      dialect,
      // The fake listens on 127.0.0.1 over http.
      { microsoftLoginBaseUrl: graph.url, microsoftGraphBaseUrl: graph.url, outboundAllowPrivateNetworks: true },
      // The server's own engine gives a vendor request 1 s (ample for the fake's real answers on a busy machine); the tests run their engines by hand.
      {
        runSyncEngine: false,
        runOutboxWorker: false,
        runImportRunner: false,
        runWebhookWorker: false,
        connectorEnvironment: { http: new OutboundHttp({ allowPrivateNetworks: () => true, timeoutMs: 1_000 }), sleep: async () => {} },
      },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Slow vendor MSP' });
    await build.aUser(account.id, { email: 'owner@slow.test', role: Role.OWNER, password: 'owner-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('owner@slow.test', 'owner-password');
  });
  afterAll(async () => {
    graph?.releaseHanging();
    await Promise.allSettled(engines);
    await roster?.close();
    await graph?.stop();
  });
  beforeEach(() => {
    graph.releaseHanging();
    graph.users = [];
  });

  const startRun = async (name: string) => {
    const created = await admin.gql(CREATE, {
      input: {
        name,
        type: 'MICROSOFT_ENTRA',
        credentials: [
          { name: 'tenantId', value: graph.tenantId },
          { name: 'clientId', value: graph.clientId },
          { name: 'clientSecret', value: graph.clientSecret },
        ],
        options: { sendInvitationEmails: false },
      },
    });
    const started = await admin.gql(START, { input: { integrationId: created.data!.createIntegration.integration.id } });
    return started.data!.startSync.run.id as string;
  };
  const runRow = (id: string) => roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id });
  /** A second engine, as another instance would run, with its own clock and a patient client. */
  const engine = (options: SyncEngineOptions) => {
    const env: ConnectorEnvironment = {
      http: new OutboundHttp({ allowPrivateNetworks: () => true, timeoutMs: 600_000 }),
      sleep: async () => {},
      microsoftLoginBaseUrl: graph.url,
      microsoftGraphBaseUrl: graph.url,
      googleOAuthTokenUrl: 'https://oauth2.googleapis.com/token',
      googleDirectoryBaseUrl: 'https://admin.googleapis.com',
    };
    return new SyncEngine(
      roster.dataSource,
      roster.services.provisioning,
      roster.services.secretBox,
      roster.services.events,
      quiet,
      env,
      options,
    );
  };

  it('gives up a vendor request after the configured timeout and goes on with the next run', async () => {
    graph.seedUsers(2, 'after-hang.test');
    graph.hangAfter('/v1.0/users', 0);
    const hung = await startRun('Hangs');
    const next = await startRun('Answers');
    expect(await roster.services.syncEngine.runAll()).toBe(1);
    expect(await runRow(hung)).toMatchObject({
      state: SyncRunState.FAILED,
      error: expect.stringMatching(/^Microsoft Graph did not answer in time: .* did not answer within 1 s\.$/),
      leaseOwner: null,
    });
    expect(await runRow(next)).toMatchObject({ state: SyncRunState.SUCCEEDED });
    // The request was abandoned, not left open.
    await eventually(() => graph.hangingCount === 0, 'the held Graph request being abandoned');
  });

  it('renews the lease of a run whose vendor request is pending, so a second instance does not take it', async () => {
    graph.seedUsers(2, 'renewed.test');
    graph.hangAfter('/v1.0/users', 0);
    const id = await startRun('Renewed');
    let aheadOfA = 0;
    const a = engine({ workerId: 'engine-a', leaseMs: 60_000, renewEveryMs: 20, now: () => Date.now() + aheadOfA });
    const working = a.runAll();
    engines.push(working);
    await eventually(() => graph.hangingCount === 1, 'Graph holding the request');
    const firstLease = (await runRow(id)).leaseUntil!.getTime();

    // Fifty seconds pass for A while Graph holds the page: its renewals move the lease on.
    aheadOfA = 50_000;
    await eventually(async () => (await runRow(id)).leaseUntil!.getTime() > firstLease + 30_000, "engine A renewing the run's lease");

    // Seventy seconds after the claim, the first lease would have run out; B finds the run still held.
    const usersRequestsBefore = graph.requests.filter((r) => r.path === '/v1.0/users').length;
    expect(await engine({ workerId: 'engine-b', leaseMs: 60_000, now: () => Date.now() + 70_000 }).runAll()).toBe(0);
    expect(await runRow(id)).toMatchObject({ state: SyncRunState.RUNNING, leaseOwner: 'engine-a' });
    expect(graph.requests.filter((r) => r.path === '/v1.0/users').length).toBe(usersRequestsBefore);
    expect(graph.hangingCount).toBe(1);

    // Graph drops the held request (503); A retries and finishes the run itself.
    graph.releaseHanging();
    expect(await working).toBe(1);
    expect(await runRow(id)).toMatchObject({ state: SyncRunState.SUCCEEDED });
  });

  it('a cancelled run stops waiting for its vendor: the lost lease aborts the request', async () => {
    graph.hangAfter('/v1.0/users', 0);
    const id = await startRun('Cancelled while waiting');
    const working = engine({ workerId: 'engine-c', leaseMs: 60_000, renewEveryMs: 20 }).runAll();
    engines.push(working);
    await eventually(() => graph.hangingCount === 1, 'Graph holding the request');
    const cancelled = await admin.gql(`mutation($input: SyncRunIdInput!) { cancelSync(input: $input) { run { state } } }`, {
      input: { runId: id },
    });
    expect(cancelled.data!.cancelSync.run.state).toBe('CANCELLED');
    expect(await working).toBe(0);
    await eventually(() => graph.hangingCount === 0, 'the held Graph request being abandoned');
    expect(await runRow(id)).toMatchObject({ state: SyncRunState.CANCELLED });
  });

  it('a pass past its deadline hands the run back where it was, and the next pass finishes it', async () => {
    graph.seedUsers(3, 'deadline.test');
    graph.hangAfter('/v1.0/users', 0);
    const id = await startRun('Deadline');
    const patient = engine({ workerId: 'engine-d', leaseMs: 60_000, passDeadlineMs: 300 });
    // On a busy machine a pass may reach its deadline before Graph: pass again until one was cut off mid-request.
    for (let pass = 0; pass < 50 && graph.hangPending; pass++) {
      expect(await patient.runAll()).toBe(0);
      expect(await runRow(id)).toMatchObject({ state: SyncRunState.QUEUED, leaseOwner: null, leaseUntil: null, error: null });
    }
    expect(graph.hangPending).toBe(false);
    await eventually(() => graph.hangingCount === 0, 'the held Graph request being abandoned');
    // The next pass (given all the time it needs, however busy the machine) finishes it from where it was.
    expect(await engine({ workerId: 'engine-d2', leaseMs: 60_000 }).runAll()).toBe(1);
    expect(await runRow(id)).toMatchObject({ state: SyncRunState.SUCCEEDED });
  });
});
