import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { startTestRoster, TestClient, errorCode, type TestRoster } from '../../test/harness.js';
import { subscribe } from '../../test/live-client.js';
import { FakeResend } from '../../test/fakes/resend.js';
import { FakeMicrosoftGraph } from '../../test/fakes/microsoft-graph.js';
import { OutboundHttp } from '../core/http/outbound-http.js';
import { IntegrationEntity } from '../integrations/integration.entity.js';
import { IntegrationStatus } from '../integrations/integration-kinds.js';
import type { ImportJobEntity } from '../imports/import-job.entity.js';
import { MAX_OPERATION_LABELS } from './http-metrics.js';

/** Issue 18: Prometheus metrics at /metrics, per instance, behind a token or on a port of their own. */
const TOKEN = 'metrics-token-0123456789abcdef';
const SIGN_IN = `mutation SignIn($input: SignInInput!) { signIn(input: $input) { viewer { role } } }`;
const BLANK_GROUP = `mutation CreateBlankGroup { createGroup(input: { name: "   " }) { group { id } } }`;
const INVITE = `mutation InvitePeople($input: InviteUsersInput!) { inviteUsers(input: $input) { invitedCount } }`;
const START = `mutation StartImport($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;
const CANCEL = `mutation CancelImport($input: CancelImportInput!) { cancelImport(input: $input) { job { state } } }`;
const USER_EVENTS = 'subscription Watch { userEvents { type } }';

async function scrape(baseUrl: string, token?: string): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

/** The value of one sample of the exposition text, by name and (a subset of) its labels; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe.each(dialects)('metrics behind a token on the main port (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let accountId: string;
  let afterBatch: ((job: ImportJobEntity, processed: number) => Promise<void>) | null = null;
  const metrics = () => scrape(roster.url, TOKEN);

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      { metricsToken: TOKEN },
      {
        runOutboxWorker: false,
        runImportRunner: false,
        runWebhookWorker: false,
        runSyncEngine: false,
        importRunner: { batchSize: 5, afterBatch: (job, processed) => afterBatch?.(job, processed) },
      },
    );
    const build = builders(roster.dataSource);
    accountId = (await build.anAccount({ name: 'Metrics MSP' })).id;
    await build.aUser(accountId, { email: 'admin@metrics.test', role: Role.OWNER, password: 'admin-password' });
    admin = new TestClient(roster.url);
    const signedIn = await admin.gql(SIGN_IN, { input: { email: 'admin@metrics.test', password: 'admin-password' } });
    expect(signedIn.data?.signIn.viewer.role).toBe('OWNER');
  });
  afterAll(() => roster?.close());
  afterEach(() => {
    afterBatch = null;
  });

  it('refuses /metrics without the token or with another one (401), and serves the text format with it', async () => {
    const without = await scrape(roster.url);
    expect(without.status).toBe(401);
    expect(without.text).not.toMatch(/roster_/);
    expect((await scrape(roster.url, 'metrics-token-but-not-the-right-one')).status).toBe(401);
    const served = await metrics();
    expect(served.status).toBe(200);
    expect(served.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(served.text).toMatch(/^# HELP roster_http_request_duration_seconds /m);
    // Node's own metrics under the prefix, event-loop lag among them.
    expect(sample(served.text, 'roster_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(served.text).not.toMatch(/^nodejs_/m);
  });

  it('times requests by GraphQL operation name and counts errors by code', async () => {
    const before = sample((await metrics()).text, 'roster_graphql_errors_total', { code: 'BAD_USER_INPUT' }) ?? 0;
    const refused = await admin.gql(BLANK_GROUP);
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    const unknownJob = await fetch(`${roster.url}/api/imports/no-such-job/result.csv`, { headers: { cookie: admin.cookie! } });
    expect(unknownJob.status).toBe(404);
    expect((await scrape(roster.url)).status).toBe(401);
    const text = (await metrics()).text;
    expect(sample(text, 'roster_http_request_duration_seconds_count', { operation: 'SignIn', status: '2xx' })).toBe(1);
    expect(sample(text, 'roster_http_request_duration_seconds_count', { operation: 'CreateBlankGroup' })).toBe(1);
    expect(sample(text, 'roster_graphql_errors_total', { code: 'BAD_USER_INPUT' })).toBe(before + 1);
    // Other routes are labelled by their route, never by their path's values.
    expect(sample(text, 'roster_http_request_duration_seconds_count', { operation: '/metrics', status: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'roster_http_request_duration_seconds_count', { operation: '/api/imports/:id/result.csv', status: '4xx' })).toBe(1);
    expect(text).not.toMatch(/no-such-job/);
  });

  it('gives labels to a bounded number of operation names: past the limit they count as other', async () => {
    const name = (i: number) => `Probe${i}`;
    for (let i = 0; i <= MAX_OPERATION_LABELS; i++) await admin.gql(`query ${name(i)} { __typename }`);
    const text = (await metrics()).text;
    expect(sample(text, 'roster_http_request_duration_seconds_count', { operation: 'other' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'roster_http_request_duration_seconds_count', { operation: name(MAX_OPERATION_LABELS) })).toBeUndefined();
    const labels = new Set([...text.matchAll(/^roster_http_request_duration_seconds_count\{operation="([^"]*)"/gm)].map((m) => m[1]));
    expect(labels.size).toBeLessThanOrEqual(MAX_OPERATION_LABELS + 10);
    await admin.gql(`{ __typename }`);
    expect(sample((await metrics()).text, 'roster_http_request_duration_seconds_count', { operation: 'anonymous' })).toBe(1);
  });

  it('counts an invitation queued in the outbox and the age of the oldest one', async () => {
    const pending = () => metrics().then(({ text }) => sample(text, 'roster_outbox_pending_emails'));
    const before = (await pending()) ?? 0;
    const invited = await admin.gql(INVITE, { input: { addresses: 'queued@clients.test' } });
    expect(invited.data?.inviteUsers.invitedCount).toBe(1);
    // Read on scrape, cached a few seconds: the next reads show it.
    await eventually(async () => (await pending()) === before + 1, 'the outbox depth counting the invitation', 20_000);
    const text = (await metrics()).text;
    // Seconds, not hours off: the database's timestamps are read as UTC on both dialects.
    expect(sample(text, 'roster_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'roster_outbox_oldest_pending_age_seconds')).toBeLessThan(600);
    expect(sample(text, 'roster_webhook_deliveries_pending')).toBe(0);
    expect(sample(text, 'roster_webhook_deliveries_failing')).toBe(0);
    if (dialect === 'mysql') {
      expect(sample(text, 'roster_db_pool_max_connections')).toBe(20);
      expect(sample(text, 'roster_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(1);
    } else {
      expect(sample(text, 'roster_db_pool_connections', { state: 'idle' })).toBeUndefined();
    }
  });

  it('counts open WebSockets up and down', async () => {
    const sockets = () => metrics().then(({ text }) => sample(text, 'roster_live_sockets'));
    expect(await sockets()).toBe(0);
    const live = subscribe(roster.url, admin.cookie, USER_EVENTS) as ReturnType<typeof subscribe> & { ready: Promise<void> };
    await live.ready;
    expect(await sockets()).toBe(1);
    await live.dispose();
    await eventually(async () => (await sockets()) === 0, 'the socket counted as closed');
  });

  it('records import runs as they end: finished, and cancelled by an admin while running', async () => {
    const upload = async (count: number, domain: string) => {
      const body = 'email,name\n' + Array.from({ length: count }, (_, i) => `p${i}@${domain},Person ${i}`).join('\n');
      const response = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', cookie: admin.cookie!, 'x-roster-upload': '1' },
        body,
      });
      const { job } = (await response.json()) as { job: { id: string } };
      const started = await admin.gql(START, { input: { jobId: job.id, sendEmails: false } });
      expect(started.data?.startImport.job.state).toBe('RUNNING');
      return job.id;
    };
    const runs = (text: string, state: string) => sample(text, 'roster_import_run_duration_seconds_count', { state }) ?? 0;

    await upload(3, 'finished.test');
    expect(await roster.services.importRunner.runAll()).toBe(1);
    let text = (await metrics()).text;
    expect(runs(text, 'FINISHED')).toBe(1);
    expect(runs(text, 'CANCELLED')).toBe(0);
    expect(sample(text, 'roster_import_run_duration_seconds_bucket', { state: 'FINISHED', le: '+Inf' })).toBe(1);

    const cancelled = await upload(12, 'cancelled.test');
    afterBatch = async (job) => {
      if (job.id === cancelled)
        expect((await admin.gql(CANCEL, { input: { jobId: cancelled } })).data?.cancelImport.job.state).toBe('CANCELLED');
    };
    expect(await roster.services.importRunner.runAll()).toBe(0);
    text = (await metrics()).text;
    expect(runs(text, 'CANCELLED')).toBe(1);
    expect(runs(text, 'FINISHED')).toBe(1);
  });
});

describe.each(dialects)('metrics on a port of their own (%s)', (dialect) => {
  let roster: TestRoster;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, { metricsPort: 0, metricsToken: null }, { runSyncEngine: false });
  });
  afterAll(() => roster?.close());

  it('serves /metrics only on METRICS_PORT, and the main port does not answer it', async () => {
    expect(roster.metricsPort).toBeGreaterThan(0);
    expect(roster.metricsPort).not.toBe(roster.port);
    const own = await scrape(`http://127.0.0.1:${roster.metricsPort}`);
    expect(own.status).toBe(200);
    expect(sample(own.text, 'roster_live_sockets')).toBe(0);
    const main = await scrape(roster.url, TOKEN);
    expect(main.status).toBe(404);
    expect(main.text).not.toMatch(/roster_/);
    // Nothing else is served on the metrics port.
    expect((await fetch(`http://127.0.0.1:${roster.metricsPort}/graphql`)).status).toBe(404);
  });
});

describe.each(dialects)('sync runs (%s)', (dialect) => {
  it('are recorded as they end, by state: succeeded and failed', async () => {
    const graph = await new FakeMicrosoftGraph().start();
    const roster = await startTestRoster(
      dialect,
      { metricsToken: TOKEN, microsoftLoginBaseUrl: graph.url, microsoftGraphBaseUrl: graph.url, outboundAllowPrivateNetworks: true },
      {
        runSyncEngine: false,
        runOutboxWorker: false,
        connectorEnvironment: { http: new OutboundHttp({ allowPrivateNetworks: () => true }), sleep: async () => {} },
      },
    );
    try {
      const build = builders(roster.dataSource);
      const account = await build.anAccount({ name: 'Sync MSP' });
      await build.aUser(account.id, { email: 'owner@sync.test', role: Role.OWNER, password: 'owner-password' });
      const admin = new TestClient(roster.url);
      await admin.signIn('owner@sync.test', 'owner-password');
      graph.seedUsers(2, 'synced.test');
      const created = await admin.gql(
        `mutation CreateIntegration($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`,
        {
          input: {
            name: 'Entra',
            type: 'MICROSOFT_ENTRA',
            credentials: [
              { name: 'tenantId', value: graph.tenantId },
              { name: 'clientId', value: graph.clientId },
              { name: 'clientSecret', value: graph.clientSecret },
            ],
            options: { sendInvitationEmails: false },
          },
        },
      );
      const integrationId = created.data!.createIntegration.integration.id as string;
      const startSync = () =>
        admin.gql(`mutation StartSync($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`, { input: { integrationId } });
      const runs = async (state: string) =>
        sample((await scrape(roster.url, TOKEN)).text, 'roster_sync_run_duration_seconds_count', { state }) ?? 0;

      expect((await startSync()).errors).toBeUndefined();
      expect(await roster.services.syncEngine.runAll()).toBe(1);
      expect(await runs('SUCCEEDED')).toBe(1);
      expect(await runs('FAILED')).toBe(0);

      // Disabled after its run was queued: the run fails when the engine picks it up.
      expect((await startSync()).errors).toBeUndefined();
      await roster.dataSource.getRepository(IntegrationEntity).update({ id: integrationId }, { status: IntegrationStatus.DISABLED });
      expect(await roster.services.syncEngine.runAll()).toBe(0);
      expect(await runs('FAILED')).toBe(1);
      expect(await runs('SUCCEEDED')).toBe(1);
    } finally {
      await roster.close();
      await graph.stop();
    }
  });
});

describe('Resend answers', () => {
  it('are counted by status: 2xx when accepted, the HTTP status when refused', async () => {
    const resend = await new FakeResend().start();
    const roster = await startTestRoster(
      'sqlite',
      { metricsToken: TOKEN, resendApiKey: resend.apiKey, resendBaseUrl: resend.url },
      { runOutboxWorker: false, runSyncEngine: false },
    );
    try {
      const build = builders(roster.dataSource);
      const account = await build.anAccount({ name: 'Mail MSP' });
      await build.aUser(account.id, { email: 'admin@mail.test', role: Role.OWNER, password: 'admin-password' });
      const admin = new TestClient(roster.url);
      await admin.signIn('admin@mail.test', 'admin-password');
      const answers = async (status: string) =>
        sample((await scrape(roster.url, TOKEN)).text, 'roster_resend_answers_total', { status }) ?? 0;

      resend.failNext({ status: 422, name: 'validation_error', message: 'The to address is invalid.' });
      await admin.gql(INVITE, { input: { addresses: 'refused@clients.test' } });
      await roster.services.outbox.drain();
      expect(await answers('422')).toBe(1);
      expect(await answers('2xx')).toBe(0);

      await admin.gql(INVITE, { input: { addresses: 'accepted@clients.test' } });
      await roster.services.outbox.drain();
      expect(resend.delivered.map((email) => email.to[0])).toEqual(['accepted@clients.test']);
      expect(await answers('2xx')).toBe(1);
      expect(await answers('422')).toBe(1);
    } finally {
      await roster.close();
      await resend.stop();
    }
  });
});

describe('metrics not configured', () => {
  it('are not served at all without METRICS_TOKEN or METRICS_PORT', async () => {
    const roster = await startTestRoster('sqlite', {}, { runSyncEngine: false });
    try {
      expect(roster.metricsPort).toBeNull();
      expect((await scrape(roster.url)).status).toBe(404);
    } finally {
      await roster.close();
    }
  });
});
