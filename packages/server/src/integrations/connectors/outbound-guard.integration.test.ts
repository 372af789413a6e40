import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import type { Logger } from '../../core/logger.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';

const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message } }`;
const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`;
const START = `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`;
const RUN = `query($id: ID!) { syncRun(id: $id) { state error } }`;

/** What an internal service might hold; it must never come back to whoever aimed Roster at it. */
const MARKER = 'INTERNAL-SECRET-7f3a9c';

/**
 * A service inside the network (a metadata endpoint, an admin API): listens on every local address (IPv4 and
 * IPv6 loopback), counts each TCP connection, and answers with a body holding MARKER.
 */
class InsideService {
  connections = 0;
  status = 401;
  contentType = 'application/json';
  body = JSON.stringify({ code: 'Internal', message: `Only for the inside: ${MARKER}` });
  port = 0;
  private readonly server = http.createServer((_req, res) => {
    res.writeHead(this.status, { 'content-type': this.contentType }).end(this.body);
  });

  async start(): Promise<this> {
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, '::', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(dialects)('integrations cannot be aimed inside the network (%s)', (dialect) => {
  let roster: TestRoster;
  let inside: InsideService;
  let owner: TestClient;
  const logLines: string[] = [];
  const logger: Logger = {
    info: (message) => logLines.push(message),
    error: (message, error) =>
      logLines.push(`${message} ${error instanceof Error ? `${error.message}\n${error.stack}` : JSON.stringify(error ?? '')}`),
  };
  const connectWise = (site: string) => [
    { name: 'site', value: site },
    { name: 'companyId', value: 'northwind' },
    { name: 'publicKey', value: 'public' },
    { name: 'privateKey', value: 'private-key-value' },
    { name: 'clientId', value: 'client' },
  ];
  const entra = [
    { name: 'tenantId', value: 'contoso.onmicrosoft.com' },
    { name: 'clientId', value: 'client' },
    { name: 'clientSecret', value: 'client-secret-value' },
  ];

  beforeAll(async () => {
    inside = await new InsideService().start();
    // The default: private networks are off. Sync runs are driven by the tests.
    roster = await startTestRoster(
      dialect,
      { outboundAllowPrivateNetworks: false },
      { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, runWebhookWorker: false, logger },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Forgery MSP' });
    await build.aUser(account.id, { email: 'owner@forgery.test', role: Role.OWNER, password: 'owner-password' });
    owner = new TestClient(roster.url);
    await owner.signIn('owner@forgery.test', 'owner-password');
  });
  afterAll(async () => {
    await roster?.close();
    await inside?.stop();
  });
  beforeEach(() => {
    roster.services.config.outboundAllowPrivateNetworks = false;
    inside.status = 401;
    inside.contentType = 'application/json';
    inside.body = JSON.stringify({ code: 'Internal', message: `Only for the inside: ${MARKER}` });
  });

  it('refuses to test, save or sync a ConnectWise site on a loopback, numeric, IPv6 or link-local address or a name resolving to one, before any byte is sent', async () => {
    const port = inside.port;
    const sites = [
      `http://127.0.0.1:${port}`,
      `https://127.0.0.1:${port}`,
      `http://2130706433:${port}`,
      `https://2130706433:${port}`,
      `http://[::1]:${port}`,
      `https://[::1]:${port}`,
      `http://localhost:${port}`,
      `https://localhost:${port}`,
      'http://169.254.169.254',
      'https://169.254.169.254',
    ];
    for (const site of sites) {
      const tested = await owner.gql(TEST, { input: { type: 'CONNECTWISE', credentials: connectWise(site) } });
      expect(tested.errors, site).toBeUndefined();
      expect(tested.data!.testIntegrationConnection, site).toMatchObject({ ok: false, failure: 'ADDRESS_NOT_ALLOWED' });
      expect(tested.data!.testIntegrationConnection.message, site).toMatch(/must start with https|private, loopback, link-local/);
      const created = await owner.gql(CREATE, { input: { name: 'Inside', type: 'CONNECTWISE', credentials: connectWise(site) } });
      expect(errorCode(created), site).toBe('BAD_USER_INPUT');
      expect(created.errors![0]!.extensions!.field).toBe('input.credentials');
    }

    // Saved while private networks were allowed; the setting is off by the time the sync runs.
    roster.services.config.outboundAllowPrivateNetworks = true;
    const saved = await owner.gql(CREATE, {
      input: { name: 'Saved earlier', type: 'CONNECTWISE', credentials: connectWise(`https://localhost:${port}`) },
    });
    const integrationId = saved.data!.createIntegration.integration.id;
    roster.services.config.outboundAllowPrivateNetworks = false;
    const retest = await owner.gql(TEST, { input: { id: integrationId } });
    expect(retest.data!.testIntegrationConnection).toMatchObject({ ok: false, failure: 'ADDRESS_NOT_ALLOWED' });
    const started = await owner.gql(START, { input: { integrationId } });
    await roster.services.syncEngine.runAll();
    const run = (await owner.gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun;
    expect(run).toMatchObject({
      state: 'FAILED',
      error: expect.stringMatching(/^ConnectWise Manage was not called: .*localhost resolves to .*private, loopback/),
    });

    // Entra ID's sign-in and Graph URLs come from configuration: the same guard applies to them.
    roster.services.config.microsoftLoginBaseUrl = `http://127.0.0.1:${port}`;
    roster.services.config.microsoftGraphBaseUrl = `http://127.0.0.1:${port}`;
    try {
      const tested = await owner.gql(TEST, { input: { type: 'MICROSOFT_ENTRA', credentials: entra } });
      expect(tested.data!.testIntegrationConnection).toMatchObject({ ok: false, failure: 'ADDRESS_NOT_ALLOWED' });
      expect(errorCode(await owner.gql(CREATE, { input: { name: 'Entra inside', type: 'MICROSOFT_ENTRA', credentials: entra } }))).toBe(
        'BAD_USER_INPUT',
      );
    } finally {
      roster.services.config.microsoftLoginBaseUrl = 'https://login.microsoftonline.com';
      roster.services.config.microsoftGraphBaseUrl = 'https://graph.microsoft.com';
    }
    expect(inside.connections).toBe(0);

    // The listener does count: the same test, allowed, reaches it.
    roster.services.config.outboundAllowPrivateNetworks = true;
    const allowed = await owner.gql(TEST, { input: { type: 'CONNECTWISE', credentials: connectWise(`http://127.0.0.1:${port}`) } });
    expect(allowed.data!.testIntegrationConnection).toMatchObject({ ok: false, failure: 'AUTHENTICATION_FAILED' });
    expect(inside.connections).toBeGreaterThan(0);
  });

  it('refuses plain http to a public host: credentials only travel over https', async () => {
    const tested = await owner.gql(TEST, { input: { type: 'CONNECTWISE', credentials: connectWise('http://api-na.myconnectwise.net') } });
    expect(tested.data!.testIntegrationConnection).toMatchObject({
      ok: false,
      failure: 'ADDRESS_NOT_ALLOWED',
      message: expect.stringMatching(/must start with https:\/\//),
    });
    const created = await owner.gql(CREATE, {
      input: { name: 'Plain', type: 'CONNECTWISE', credentials: connectWise('http://api-na.myconnectwise.net') },
    });
    expect(errorCode(created)).toBe('BAD_USER_INPUT');
    expect(created.errors![0]!.message).toMatch(/must start with https:\/\//);
  });

  it("never repeats a vendor's error body: not in the GraphQL answer, the run's error or the log", async () => {
    // A fake vendor on this machine (allowed here) whose errors carry what must not come back.
    roster.services.config.outboundAllowPrivateNetworks = true;
    const site = inside.url;
    const answers: Array<[number, string, RegExp]> = [
      [500, 'application/json', /ConnectWise Manage answered 500 \(a server error\)/],
      [502, 'text/html', /ConnectWise Manage answered 502 \(a server error\)/],
      [400, 'application/json', /ConnectWise Manage answered 400 \(the request was refused as malformed/],
      [401, 'application/json', /refused the API keys \(401\)/],
      [403, 'application/json', /refused access \(403\)/],
      [200, 'text/plain', /ConnectWise Manage answered 200 with something that is not JSON/],
    ];
    for (const [status, contentType, meaning] of answers) {
      inside.status = status;
      inside.contentType = contentType;
      inside.body =
        contentType === 'application/json'
          ? JSON.stringify({ code: MARKER, message: `Only for the inside: ${MARKER}` })
          : `<h1>${MARKER}</h1>`;
      const response = await fetch(`${roster.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: owner.cookie! },
        body: JSON.stringify({ query: TEST, variables: { input: { type: 'CONNECTWISE', credentials: connectWise(site) } } }),
      });
      const text = await response.text();
      expect(JSON.parse(text).data.testIntegrationConnection, `${status}`).toMatchObject({
        ok: false,
        message: expect.stringMatching(meaning),
      });
      expect(text, `${status}`).not.toContain(MARKER);
    }

    // Entra's sign-in answering with a body of its own choosing.
    roster.services.config.microsoftLoginBaseUrl = site;
    try {
      inside.status = 400;
      inside.contentType = 'application/json';
      inside.body = JSON.stringify({ error: 'invalid_request', error_description: `AADSTS90002: ${MARKER}` });
      const tested = await owner.gql(TEST, { input: { type: 'MICROSOFT_ENTRA', credentials: entra } });
      expect(tested.data!.testIntegrationConnection).toMatchObject({
        ok: false,
        message: expect.stringMatching(/tenant or application id.*\(AADSTS90002\)/),
      });
      expect(JSON.stringify(tested)).not.toContain(MARKER);
    } finally {
      roster.services.config.microsoftLoginBaseUrl = 'https://login.microsoftonline.com';
    }

    // A sync that meets the error records what the status means.
    inside.status = 500;
    inside.contentType = 'application/json';
    inside.body = JSON.stringify({ code: MARKER, message: MARKER });
    const created = await owner.gql(CREATE, { input: { name: 'Failing vendor', type: 'CONNECTWISE', credentials: connectWise(site) } });
    const integrationId = created.data!.createIntegration.integration.id;
    const started = await owner.gql(START, { input: { integrationId } });
    await roster.services.syncEngine.runAll();
    const run = await owner.gql(RUN, { id: started.data!.startSync.run.id });
    expect(run.data!.syncRun).toMatchObject({ state: 'FAILED', error: 'ConnectWise Manage answered 500 (a server error).' });
    const integration = await owner.gql(`query($id: ID!) { integration(id: $id) { lastError } }`, { id: integrationId });
    expect(JSON.stringify(integration)).not.toContain(MARKER);
    expect(logLines.join('\n')).not.toContain(MARKER);
  });
});
