import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { createKey, gqlWithKey } from '../../test/api-key-client.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { FakeConnectWise } from '../../test/fakes/connectwise.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { integrationKinds } from './connectors/catalog.js';
import { destinationSettings, IntegrationType } from './integration-kinds.js';

const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`;
const UPDATE = `mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id credentialFieldsSet } } }`;
const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message } }`;
const TYPES = `{ integrationTypes { type credentialFields { name secret destination } } }`;

/** The attacker's server: answers 401 to everything and keeps every Authorization header it is sent. */
class RecordingServer {
  readonly authorizations: string[] = [];
  requests = 0;
  url = '';
  private server: http.Server | null = null;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.requests++;
      this.authorizations.push(String(req.headers.authorization ?? ''));
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"Unauthorized","message":"no"}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The Basic credentials it received, decoded. */
  decoded(): string[] {
    return this.authorizations.map((header) =>
      header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : header,
    );
  }
}

/** Fields whose names look like a host but never route a request (Google's endpoints come from configuration; `domain` picks which of the customer's domains to read). */
const NOT_DESTINATIONS: Partial<Record<IntegrationType, string[]>> = { [IntegrationType.GOOGLE_WORKSPACE]: ['domain'] };

describe('destination settings', () => {
  it('name real credential fields of each kind, and every host-like field of a built connector is one', () => {
    for (const kind of integrationKinds) {
      const names = kind.credentialFields.map((field) => field.name);
      for (const setting of destinationSettings(kind.type)) expect(names).toContain(setting);
      const hostLike = kind.credentialFields
        .filter((field) => !field.secret && /site|url|host|tenant|domain|region|zone|endpoint|server/i.test(field.name))
        .filter((field) => !NOT_DESTINATIONS[kind.type]?.includes(field.name))
        .map((field) => field.name);
      expect(destinationSettings(kind.type)).toEqual(expect.arrayContaining(hostLike));
    }
    expect(destinationSettings(IntegrationType.CONNECTWISE)).toEqual(['site']);
    expect(destinationSettings(IntegrationType.MICROSOFT_ENTRA)).toEqual(['tenantId']);
  });
});

describe.each(dialects)('a stored secret only goes where it was entered for (%s)', (dialect) => {
  let roster: TestRoster;
  let real: FakeConnectWise;
  let attacker: RecordingServer;
  let owner: TestClient;
  let key: string;
  let integrationId: string;

  beforeAll(async () => {
    real = await new FakeConnectWise().start();
    attacker = await new RecordingServer().start();
    // The fake vendors listen on 127.0.0.1.
    roster = await startTestRoster(dialect, { outboundAllowPrivateNetworks: true }, { runOutboxWorker: false, runSyncEngine: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Sealed MSP' });
    await build.aUser(account.id, { email: 'owner@sealed.test', role: Role.OWNER, password: 'owner-password' });
    owner = new TestClient(roster.url);
    await owner.signIn('owner@sealed.test', 'owner-password');
    const created = await owner.gql(CREATE, {
      input: {
        name: 'Manage',
        type: 'CONNECTWISE',
        credentials: [
          { name: 'site', value: real.url },
          { name: 'companyId', value: real.companyId },
          { name: 'publicKey', value: real.publicKey },
          { name: 'privateKey', value: real.privateKey },
          { name: 'clientId', value: real.clientId },
        ],
      },
    });
    integrationId = created.data!.createIntegration.integration.id;
    key = `Bearer ${(await createKey(owner, ['integrations:write'])).secret}`;
  });
  afterAll(async () => {
    await roster?.close();
    await real?.stop();
    await attacker?.stop();
  });

  const asKey = (query: string, variables: Record<string, unknown>) => gqlWithKey(roster.url, key, query, variables);
  const leaked = () => attacker.decoded().filter((credentials) => credentials.includes(real.privateKey));

  it('refuses to move the site without the secrets, and a test against another host never carries the stored private key', async () => {
    const moved = await asKey(UPDATE, { input: { id: integrationId, credentials: [{ name: 'site', value: attacker.url }] } });
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'CREDENTIALS_REQUIRED', fields: ['privateKey'], changed: ['site'] });
    expect(moved.errors?.[0]?.message).toMatch(/Site.*Private key/);

    const typedSite = await asKey(TEST, { input: { id: integrationId, credentials: [{ name: 'site', value: attacker.url }] } });
    expect(typedSite.errors?.[0]?.extensions).toMatchObject({ code: 'CREDENTIALS_REQUIRED', fields: ['privateKey'] });
    const typedSiteAndPublicKey = await asKey(TEST, {
      input: {
        id: integrationId,
        credentials: [
          { name: 'site', value: attacker.url },
          { name: 'publicKey', value: 'whatever' },
        ],
      },
    });
    expect(typedSiteAndPublicKey.errors?.[0]?.extensions).toMatchObject({ code: 'CREDENTIALS_REQUIRED' });

    // The stored integration still talks to the real server only.
    const saved = await asKey(TEST, { input: { id: integrationId } });
    expect(saved.data!.testIntegrationConnection).toMatchObject({ ok: true });

    // With the secret typed again, the test goes to the new host: the marker that anything sent there is recorded.
    const retyped = await asKey(TEST, {
      input: {
        id: integrationId,
        credentials: [
          { name: 'site', value: attacker.url },
          { name: 'privateKey', value: 'typed-for-the-new-host' },
        ],
      },
    });
    expect(retyped.data!.testIntegrationConnection).toMatchObject({ ok: false, failure: 'AUTHENTICATION_FAILED' });
    expect(attacker.decoded().some((credentials) => credentials.includes('typed-for-the-new-host'))).toBe(true);
    expect(leaked()).toEqual([]);
  });

  it('moves the site when every secret is entered again, and then sends only the new one', async () => {
    const moved = await asKey(UPDATE, {
      input: {
        id: integrationId,
        credentials: [
          { name: 'site', value: attacker.url },
          { name: 'privateKey', value: 'the-new-private-key' },
        ],
      },
    });
    expect(moved.errors).toBeUndefined();
    const before = attacker.requests;
    const saved = await asKey(TEST, { input: { id: integrationId } });
    expect(saved.data!.testIntegrationConnection).toMatchObject({ ok: false, failure: 'AUTHENTICATION_FAILED' });
    expect(attacker.requests).toBeGreaterThan(before);
    expect(attacker.decoded().at(-1)).toContain('the-new-private-key');
    expect(leaked()).toEqual([]);
  });

  it('lets settings that are not destinations change alone, and the same site typed again needs no secret', async () => {
    const fresh = await owner.gql(CREATE, {
      input: {
        name: 'Manage 2',
        type: 'CONNECTWISE',
        credentials: [
          { name: 'site', value: real.url },
          { name: 'companyId', value: real.companyId },
          { name: 'publicKey', value: 'old-public-key' },
          { name: 'privateKey', value: real.privateKey },
          { name: 'clientId', value: real.clientId },
        ],
      },
    });
    const id = fresh.data!.createIntegration.integration.id;
    const changed = await asKey(UPDATE, {
      input: {
        id,
        credentials: [
          { name: 'publicKey', value: real.publicKey },
          { name: 'site', value: ` ${real.url} ` },
        ],
      },
    });
    expect(changed.errors).toBeUndefined();
    expect((await asKey(TEST, { input: { id } })).data!.testIntegrationConnection).toMatchObject({ ok: true });
  });

  it('tells the forms which fields are destinations', async () => {
    const types = await owner.gql(TYPES);
    const cw = types.data!.integrationTypes.find((t: any) => t.type === 'CONNECTWISE');
    expect(cw.credentialFields.filter((f: any) => f.destination).map((f: any) => f.name)).toEqual(['site']);
  });
});
