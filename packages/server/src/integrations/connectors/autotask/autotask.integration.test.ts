import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../../accounts/roles.js';
import { MembershipEntity } from '../../../accounts/membership.entity.js';
import { CompanyEntity } from '../../../companies/company.entity.js';
import { newId } from '../../../core/db/columns.js';
import { WebhookDeliveryEntity } from '../../../webhooks/webhook-delivery.entity.js';
import { WebhookEndpointEntity } from '../../../webhooks/webhook-endpoint.entity.js';
import { builders } from '../../../../test/builders.js';
import { dialects } from '../../../../test/databases.js';
import { FakeAutotask, type FakeAtCompany } from '../../../../test/fakes/autotask.js';
import { FakeItGlue } from '../../../../test/fakes/it-glue.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../../test/harness.js';

const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`;
const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message } }`;

describe.each(dialects)('Autotask PSA sync into companies and users (%s)', (dialect) => {
  let roster: TestRoster;
  let at: FakeAutotask;
  let itg: FakeItGlue;
  let admin: TestClient;
  let accountId: string;
  let integrationId: string;
  const co: Record<string, FakeAtCompany> = {};
  const slept: number[] = [];
  const logged: string[] = [];
  /** Every API answer the test read, to grep for the secret at the end. */
  const answers: string[] = [];

  beforeAll(async () => {
    at = await new FakeAutotask().start();
    itg = await new FakeItGlue().start();
    roster = await startTestRoster(
      dialect,
      { outboundAllowPrivateNetworks: true, autotaskZoneDiscoveryUrl: at.url },
      {
        runOutboxWorker: false,
        runSyncEngine: false,
        runWebhookWorker: false,
        logger: { info: (m) => void logged.push(m), error: (m, e) => void logged.push(`${m} ${String(e ?? '')}`) },
        connectorEnvironment: { sleep: async (ms) => void slept.push(ms) },
      },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'PSA MSP' });
    accountId = account.id;
    const owner = await build.aUser(account.id, { email: 'owner@at.test', role: Role.OWNER, password: 'owner-password' });
    await build.aCompany(account.id, 'Fabrikam');
    admin = new TestClient(roster.url);
    await admin.signIn('owner@at.test', 'owner-password');
    const now = new Date();
    const endpointId = newId();
    await roster.dataSource.getRepository(WebhookEndpointEntity).insert({
      id: endpointId,
      accountId,
      url: 'https://hooks.at.test/roster',
      description: null,
      events: 'sync.finished',
      sealedSecret: roster.services.secretBox.seal('whsec_test', `webhook:${endpointId}`),
      secretPrefix: 'whsec_te',
      enabled: true,
      createdByPersonId: owner.personId,
      createdAt: now,
      updatedAt: now,
      secretRolledAt: null,
    });
    for (const name of ['Contoso', 'Fabrikam', 'Tailspin Toys', 'Wingtip', 'Adventure Works']) co[name] = at.addCompany(name);
    co.Litware = at.addCompany('Litware', 7);
    co.Gone = at.addCompany('Gone Corp', 1, false);
    at.addContact(co.Contoso!, 'Ada', 'Lovelace', 'ada@contoso.test');
    at.addContact(co.Fabrikam!, 'Bob', 'Builder', 'bob@fabrikam.test');
    at.addContact(co['Tailspin Toys']!, 'No', 'Email', null);
    at.addContact(co.Wingtip!, 'Carol', 'Shaw', 'carol@wingtip.test');
    at.addContact(co.Litware!, 'Val', 'Vendor', 'val@litware.test');
    at.addContact(co.Contoso!, 'Dan', 'Departed', 'dan@contoso.test', 0);
  });
  afterAll(async () => {
    await roster?.close();
    await at?.stop();
    await itg?.stop();
  });

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await admin.gql(query, variables);
    answers.push(JSON.stringify(result));
    return result;
  };
  const credentials = (overrides: Record<string, string> = {}) =>
    Object.entries({ username: at.username, secret: at.secret, integrationCode: at.integrationCode, ...overrides }).map(
      ([name, value]) => ({ name, value }),
    );
  async function sync(id: string) {
    const started = await gql(`mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`, {
      input: { integrationId: id, dryRun: false },
    });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    return (
      await gql(
        `query($id: ID!) { syncRun(id: $id) { state error counts { created linked updated unchanged restored skipped deleted }
          items(page: { first: 100 }) { edges { node { resourceType externalId label action message } } } } }`,
        { id: started.data!.startSync.run.id },
      )
    ).data!.syncRun;
  }
  const actions = (run: any) => run.items.edges.map((e: any) => [e.node.resourceType, e.node.label, e.node.action]);
  const companyNames = async () =>
    (await roster.dataSource.getRepository(CompanyEntity).find({ where: { accountId }, order: { name: 'ASC' } })).map((c) => c.name);

  it('finds the zone by the API user name and says what is wrong with refused credentials or settings', async () => {
    const test = async (overrides: Record<string, string>) =>
      (await gql(TEST, { input: { type: 'AUTOTASK', credentials: credentials(overrides) } })).data!.testIntegrationConnection;
    expect(await test({ secret: 'wrong-secret' })).toMatchObject({
      ok: false,
      failure: 'AUTHENTICATION_FAILED',
      message: expect.stringContaining('check the user name, the secret and the API integration code'),
    });
    expect(await test({ integrationCode: 'NOT-OURS' })).toMatchObject({ ok: false, failure: 'AUTHENTICATION_FAILED' });
    expect(await test({ username: 'nobody@northwind.test' })).toMatchObject({
      ok: false,
      failure: 'AUTHENTICATION_FAILED',
      message: expect.stringContaining('knows no API user named "nobody@northwind.test"'),
    });
    expect(await test({ companyTypes: 'Customer, Wizard' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('"wizard" is not an Autotask company type'),
    });
    // Autotask's thresholds answer 429 without a Retry-After: waits double, and a bounded number of tries ends the call.
    at.throttleNext(null, null, null, null, null, null);
    expect(await test({})).toMatchObject({ ok: false, failure: 'RATE_LIMITED' });
    expect(slept).toEqual([1000, 2000, 4000, 8000, 16000]);
    slept.length = 0;
    expect(await test({})).toEqual({
      ok: true,
      failure: null,
      message: 'Connected to Autotask (North America 2): 5 active companies of the chosen types.',
    });
    // The secret went to the zone the discovery named, never to the discovery host.
    const discovery = at.requests.filter((r) => r.path.toLowerCase().startsWith('/atservicesrest/v1.0/zoneinformation'));
    expect(discovery.length).toBeGreaterThan(0);
    expect(at.requests.filter((r) => r.path.startsWith('/zone2/')).length).toBeGreaterThan(0);
  });

  it('brings in active customers and their contacts over three pages, through throttling, skipping contacts without an email', async () => {
    const created = await gql(CREATE, {
      input: { name: 'Autotask', type: 'AUTOTASK', credentials: credentials(), options: { sendInvitationEmails: false } },
    });
    expect(created.errors).toBeUndefined();
    integrationId = created.data!.createIntegration.integration.id;
    at.maxPageSize = 2;
    at.throttleNext(null, null, 3);
    const run = await sync(integrationId);
    expect(run).toMatchObject({ state: 'SUCCEEDED', error: null });
    // No Retry-After: 1 s, then 2 s; then the 3 s Autotask asked for.
    expect(slept).toEqual([1000, 2000, 3000]);
    expect(actions(run)).toEqual([
      ['COMPANY', 'Contoso', 'CREATED'],
      ['COMPANY', 'Fabrikam', 'LINKED'],
      ['COMPANY', 'Tailspin Toys', 'CREATED'],
      ['COMPANY', 'Wingtip', 'CREATED'],
      ['COMPANY', 'Adventure Works', 'CREATED'],
      ['USER', 'ada@contoso.test', 'CREATED'],
      ['USER', 'bob@fabrikam.test', 'CREATED'],
      ['USER', 'No Email', 'SKIPPED'],
      ['USER', 'carol@wingtip.test', 'CREATED'],
    ]);
    const skipped = run.items.edges.find((e: any) => e.node.action === 'SKIPPED').node;
    expect(skipped).toMatchObject({ resourceType: 'USER', message: 'The Autotask contact has no email address.' });
    expect(await companyNames()).toEqual(['Adventure Works', 'Contoso', 'Fabrikam', 'Tailspin Toys', 'Wingtip']);
    const members = roster.dataSource.getRepository(MembershipEntity);
    const ada = await members.findOneByOrFail({ accountId, email: 'ada@contoso.test' });
    const contoso = await roster.dataSource.getRepository(CompanyEntity).findOneByOrFail({ accountId, name: 'Contoso' });
    expect(ada.companyId).toBe(contoso.id);
    // A vendor's contact and an inactive contact stay out.
    expect(await members.findOneBy({ accountId, email: 'val@litware.test' })).toBeNull();
    expect(await members.findOneBy({ accountId, email: 'dan@contoso.test' })).toBeNull();
    // Each listing: a JSON-filtered query posted, then its nextPageUrl read (companies 3 pages, contacts 3 pages).
    const queries = at.requests.filter((r) => r.status === 200 && r.path.includes('/query') && !r.path.includes('/count'));
    const posted = queries.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body));
    expect(posted).toContainEqual({
      MaxRecords: 500,
      IncludeFields: ['id', 'companyName'],
      filter: [
        { op: 'eq', field: 'isActive', value: true },
        { op: 'in', field: 'companyType', value: [1] },
      ],
    });
    expect(posted.find((search) => search.IncludeFields.includes('emailAddress')).filter).toEqual([
      { op: 'eq', field: 'isActive', value: 1 },
    ]);
    expect(queries.filter((r) => r.method === 'GET' && r.path.includes('/Contacts/query/next')).length).toBe(2);
  });

  it('sends the stored secret for no other API user: a new user name (and so zone) needs the secret typed again', async () => {
    const moved = await gql(`mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`, {
      input: { id: integrationId, credentials: [{ name: 'username', value: 'someone-else@northwind.test' }] },
    });
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'CREDENTIALS_REQUIRED', fields: ['secret'], changed: ['username'] });
  });

  it('changes nothing the second time', async () => {
    const again = await sync(integrationId);
    expect(again.state).toBe('SUCCEEDED');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, linked: 0, deleted: 0, restored: 0 });
    expect(actions(again)).toEqual([['USER', 'No Email', 'SKIPPED']]);
    expect(await companyNames()).toEqual(['Adventure Works', 'Contoso', 'Fabrikam', 'Tailspin Toys', 'Wingtip']);
  });

  it('brings in the company types chosen', async () => {
    const updated = await gql(`mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`, {
      input: { id: integrationId, credentials: [{ name: 'companyTypes', value: 'Customer, Vendor' }] },
    });
    expect(updated.errors).toBeUndefined();
    const run = await sync(integrationId);
    expect(actions(run)).toEqual([
      ['COMPANY', 'Litware', 'CREATED'],
      ['USER', 'No Email', 'SKIPPED'],
      ['USER', 'val@litware.test', 'CREATED'],
    ]);
  });

  it('makes one company of a client in Autotask and IT Glue, by the Autotask id IT Glue carries', async () => {
    // IT Glue names Contoso differently and carries its Autotask id; Northwind carries an id of another PSA that equals
    // Tailspin's Autotask id, and must not be taken for Tailspin.
    itg.addOrganization('Contoso Limited', { id: String(co.Contoso!.id), integration: 'autotask' });
    itg.addOrganization('Northwind Traders', { id: String(co['Tailspin Toys']!.id), integration: 'manage' });
    itg.addOrganization('Wingtip');
    const created = await gql(CREATE, {
      input: {
        name: 'Docs',
        type: 'IT_GLUE',
        credentials: [
          { name: 'region', value: itg.url },
          { name: 'apiKey', value: itg.apiKey },
        ],
        options: { sendInvitationEmails: false },
      },
    });
    const run = await sync(created.data!.createIntegration.integration.id);
    expect(run.state).toBe('SUCCEEDED');
    expect(actions(run)).toEqual([
      ['COMPANY', 'Contoso Limited', 'LINKED'],
      ['COMPANY', 'Northwind Traders', 'CREATED'],
      ['COMPANY', 'Wingtip', 'LINKED'],
    ]);
    expect(await companyNames()).toEqual([
      'Adventure Works',
      'Contoso',
      'Fabrikam',
      'Litware',
      'Northwind Traders',
      'Tailspin Toys',
      'Wingtip',
    ]);
    // The PSA's name stays, and the next sync of either leaves it so.
    expect((await sync(created.data!.createIntegration.integration.id)).counts).toMatchObject({ created: 0, updated: 0, linked: 0 });
    expect((await sync(integrationId)).counts).toMatchObject({ created: 0, updated: 0, linked: 0 });
    expect(await companyNames()).toContain('Contoso');
  });

  it('never shows the secret in an API answer, a log line, an audit entry, a webhook payload or a run item', async () => {
    // Positive marker: the runs finished and their webhooks were queued.
    const deliveries = await roster.dataSource.getRepository(WebhookDeliveryEntity).findBy({ accountId });
    expect(deliveries.some((d) => d.eventType === 'sync.finished')).toBe(true);
    const integrations = await gql(`{ integrations { edges { node { id name type credentialFieldsSet lastError } } } }`);
    expect(integrations.errors).toBeUndefined();
    const tables = await Promise.all(
      ['sync_run_items', 'sync_runs', 'audit_events', 'webhook_deliveries', 'external_links', 'integrations'].map(async (table) =>
        JSON.stringify(await roster.dataSource.query(`SELECT * FROM ${table}`)),
      ),
    );
    const everything = [...answers, logged.join('\n'), JSON.stringify(deliveries), ...tables].join('\n');
    expect(everything).toContain('No Email');
    expect(everything).not.toContain(at.secret);
  });
});
