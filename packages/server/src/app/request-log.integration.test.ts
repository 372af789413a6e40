import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { createKey, gqlWithKey } from '../../test/api-key-client.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { FakeMicrosoftGraph } from '../../test/fakes/microsoft-graph.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ScimClient } from '../../test/scim-client.js';

const CREATE = `mutation CreateIntegration($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`;
const UPDATE = `mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`;
const START = `mutation StartSync($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`;

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  route?: string;
  operation?: string;
  status?: number;
  actor?: string;
  accountId?: string | null;
  durationMs?: number;
}

describe.each(dialects)('request log lines (%s)', (dialect) => {
  let roster: TestRoster;
  let graph: FakeMicrosoftGraph;
  let accountId: string;
  const output: string[] = [];
  const lines = () =>
    output
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
  const requestLine = (requestId: string) => lines().find((line) => line.requestId === requestId && line.route !== undefined);

  beforeAll(async () => {
    graph = await new FakeMicrosoftGraph().start();
    roster = await startTestRoster(
      dialect,
      { logLevel: 'debug', microsoftLoginBaseUrl: graph.url, microsoftGraphBaseUrl: graph.url, outboundAllowPrivateNetworks: true },
      { logDestination: { write: (chunk: string) => void output.push(chunk) }, runOutboxWorker: false },
    );
    const build = builders(roster.dataSource);
    accountId = (await build.anAccount()).id;
    await build.aUser(accountId, { email: 'owner@log-msp.test', role: Role.OWNER, password: 'Owner-Pa55word-Secret' });
  });
  afterAll(async () => {
    await roster?.close();
    await graph?.stop();
  });

  it('never writes a password, session cookie, API key, SCIM token or integration credential, while logging every request', async () => {
    const secrets: string[] = ['Owner-Pa55word-Secret', 'Wrong-Pa55word-Guess', graph.clientSecret, 'Rotated-Wrong-Secret-Value'];
    const admin = new TestClient(roster.url);
    expect((await admin.signIn('owner@log-msp.test', 'Wrong-Pa55word-Guess')).errors).toBeDefined();
    expect((await admin.signIn('owner@log-msp.test', 'Owner-Pa55word-Secret')).errors).toBeUndefined();
    secrets.push(admin.cookie!.slice(admin.cookie!.indexOf('=') + 1));

    const key = await createKey(admin, ['users:read']);
    secrets.push(key.secret);
    expect((await gqlWithKey(roster.url, `Bearer ${key.secret}`, '{ users { totalCount } }')).status).toBe(200);
    // A refused key is logged too, and its value is not.
    await gqlWithKey(roster.url, `Bearer ${key.secret}x`, '{ users { totalCount } }');

    const scim = await builders(roster.dataSource).aScimIntegration(accountId);
    secrets.push(scim.token);
    expect((await new ScimClient(roster.url, scim.token).get('/Users')).status).toBe(200);

    const credentials = [
      { name: 'tenantId', value: graph.tenantId },
      { name: 'clientId', value: graph.clientId },
      { name: 'clientSecret', value: graph.clientSecret },
    ];
    const created = await admin.gql(CREATE, { input: { name: 'Entra', type: 'MICROSOFT_ENTRA', credentials } });
    expect(created.errors).toBeUndefined();
    const integrationId = created.data!.createIntegration.integration.id as string;
    // A wrong secret: the connection check fails, and the error is logged without the value.
    await admin.gql(UPDATE, { input: { id: integrationId, credentials: [{ name: 'clientSecret', value: 'Rotated-Wrong-Secret-Value' }] } });

    await eventually(() => lines().filter((line) => line.route === '/scim/v2/Users').length > 0, 'the SCIM request line');
    const text = output.join('');
    for (const secret of secrets) expect(text, `the log holds ${secret.slice(0, 6)}...`).not.toContain(secret);

    const byRoute = lines().filter((line) => line.route !== undefined);
    expect(byRoute.find((line) => line.operation === 'CreateIntegration')).toMatchObject({
      method: 'POST',
      status: 200,
      actor: 'session',
      accountId,
    });
    expect(byRoute.some((line) => line.route === '/graphql' && line.actor === 'api_key' && line.accountId === accountId)).toBe(true);
    expect(byRoute.find((line) => line.route === '/scim/v2/Users')).toMatchObject({ method: 'GET', status: 200, actor: 'scim', accountId });
    expect(byRoute.every((line) => typeof line.durationMs === 'number' && typeof line.requestId === 'string')).toBe(true);
  });

  it('keeps a sane incoming X-Request-Id, replaces anything else, and returns the id in the response', async () => {
    const kept = await fetch(`${roster.url}/schema.graphql`, { headers: { 'x-request-id': 'lb-4f2a.91:7' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-4f2a.91:7');
    await eventually(() => requestLine('lb-4f2a.91:7'), 'the line of the request with the incoming id');

    const replaced = await fetch(`${roster.url}/schema.graphql`, { headers: { 'x-request-id': 'bad id <script>' + 'x'.repeat(200) } });
    const id = replaced.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await eventually(() => requestLine(id), 'the line of the request with a replaced id')).toMatchObject({
      route: '/schema.graphql',
      status: 200,
      actor: 'anonymous',
    });
  });
  it('carries the request id of startSync into the log lines of the sync run it queued', async () => {
    const admin = new TestClient(roster.url);
    await admin.signIn('owner@log-msp.test', 'Owner-Pa55word-Secret');
    const credentials = [
      { name: 'tenantId', value: graph.tenantId },
      { name: 'clientId', value: graph.clientId },
      { name: 'clientSecret', value: graph.clientSecret },
    ];
    const created = await admin.gql(CREATE, { input: { name: 'Entra for syncs', type: 'MICROSOFT_ENTRA', credentials } });
    const integrationId = created.data!.createIntegration.integration.id as string;
    const response = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin.cookie!, 'x-request-id': `start-sync-${dialect}` },
      body: JSON.stringify({ query: START, variables: { input: { integrationId, dryRun: false } } }),
    });
    expect(response.headers.get('x-request-id')).toBe(`start-sync-${dialect}`);
    const runId = ((await response.json()) as { data: { startSync: { run: { id: string } } } }).data.startSync.run.id;
    // The engine's own lines for the run (claimed, left), written from its polling pass, not from the request.
    const workLines = await eventually(() => {
      const found = lines().filter((line) => line.msg.startsWith(`Sync run ${runId}`));
      return found.some((line) => line.msg.includes('left')) ? found : null;
    }, 'the sync engine logging the run');
    expect(workLines.map((line) => line.requestId)).toEqual(workLines.map(() => `start-sync-${dialect}`));
    expect(requestLine(`start-sync-${dialect}`)).toMatchObject({ operation: 'StartSync', actor: 'session', accountId });
  });
});
