import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { MembershipEntity } from '../../../accounts/membership.entity.js';
import { Role, UserStatus } from '../../../accounts/roles.js';
import { InvitationEntity, InvitationState } from '../../../invitations/invitation.entity.js';
import { CompanyEntity } from '../../../companies/company.entity.js';
import { builders } from '../../../../test/builders.js';
import { dialects } from '../../../../test/databases.js';
import { FakeConnectWise } from '../../../../test/fakes/connectwise.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../../test/harness.js';

describe.each(dialects)('ConnectWise Manage sync (%s)', (dialect) => {
  let roster: TestRoster;
  let cw: FakeConnectWise;
  let admin: TestClient;
  let accountId: string;
  /** Every wait the connector asked for: injected, so a Retry-After is honoured without waiting. */
  const slept: number[] = [];

  beforeAll(async () => {
    cw = await new FakeConnectWise().start();
    // The fake listens on 127.0.0.1 over http, which only this setting lets integrations call.
    roster = await startTestRoster(
      dialect,
      { outboundAllowPrivateNetworks: true },
      { runOutboxWorker: false, runSyncEngine: false, connectorEnvironment: { sleep: async (ms) => void slept.push(ms) } },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'PSA MSP' });
    accountId = account.id;
    await build.aUser(account.id, { email: 'owner@psa.test', role: Role.OWNER, password: 'owner-password' });
    await build.aCompany(account.id, 'Fabrikam');
    admin = new TestClient(roster.url);
    await admin.signIn('owner@psa.test', 'owner-password');
  });
  afterAll(async () => {
    await roster?.close();
    await cw?.stop();
  });

  const credentials = (privateKey = cw.privateKey) => [
    { name: 'site', value: cw.url },
    { name: 'companyId', value: cw.companyId },
    { name: 'publicKey', value: cw.publicKey },
    { name: 'privateKey', value: privateKey },
    { name: 'clientId', value: cw.clientId },
  ];

  it('tests the API keys, then brings in companies and their contacts as users of those companies', async () => {
    const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message } }`;
    expect(
      (await admin.gql(TEST, { input: { type: 'CONNECTWISE', credentials: credentials('wrong') } })).data!.testIntegrationConnection,
    ).toMatchObject({ ok: false, failure: 'AUTHENTICATION_FAILED' });
    expect(
      (await admin.gql(TEST, { input: { type: 'CONNECTWISE', credentials: credentials() } })).data!.testIntegrationConnection,
    ).toMatchObject({ ok: true, message: 'Connected to ConnectWise Manage v2024.1.12345.' });

    const contoso = cw.addCompany('Contoso Ltd');
    const fabrikam = cw.addCompany('Fabrikam');
    cw.addCompany('Gone Corp').deletedFlag = true;
    cw.addContact(contoso, 'Ada', 'Lovelace', 'ada@contoso.test');
    cw.addContact(fabrikam, 'Grace', 'Hopper', 'Grace@Fabrikam.test');
    cw.addContact(contoso, 'No', 'Email', null);
    cw.maxPageSize = 2;

    const created = await admin.gql(
      `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id credentialFieldsSet } } }`,
      {
        input: { name: 'Manage', type: 'CONNECTWISE', credentials: credentials(), options: { sendInvitationEmails: false } },
      },
    );
    const integrationId = created.data!.createIntegration.integration.id;
    expect(created.data!.createIntegration.integration.credentialFieldsSet).toEqual([
      'clientId',
      'companyId',
      'privateKey',
      'publicKey',
      'site',
    ]);
    const started = await admin.gql(`mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`, {
      input: { integrationId },
    });
    await roster.services.syncEngine.runAll();
    const run = (
      await admin.gql(
        `query($id: ID!) { syncRun(id: $id) { state error counts { created linked skipped } items(page: { first: 50 }) { edges { node { resourceType label action } } } } }`,
        {
          id: started.data!.startSync.run.id,
        },
      )
    ).data!.syncRun;
    expect(run).toMatchObject({ state: 'SUCCEEDED', error: null, counts: { created: 3, linked: 1, skipped: 1 } });
    expect(run.items.edges.map((e: any) => [e.node.resourceType, e.node.label, e.node.action])).toEqual([
      ['COMPANY', 'Contoso Ltd', 'CREATED'],
      ['COMPANY', 'Fabrikam', 'LINKED'],
      ['USER', 'ada@contoso.test', 'CREATED'],
      ['USER', 'Grace@Fabrikam.test', 'CREATED'],
      ['USER', 'No Email', 'SKIPPED'],
    ]);
    const companies = await roster.dataSource.getRepository(CompanyEntity).find({ where: { accountId }, order: { name: 'ASC' } });
    expect(companies.map((c) => c.name)).toEqual(['Contoso Ltd', 'Fabrikam']);
    const users = await roster.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId, email: In(['ada@contoso.test', 'grace@fabrikam.test']) }, order: { email: 'ASC' } });
    const companyName = new Map(companies.map((c) => [c.id, c.name]));
    expect(users.map((u) => [u.email, u.name, companyName.get(u.companyId!)])).toEqual([
      ['ada@contoso.test', 'Ada Lovelace', 'Contoso Ltd'],
      ['grace@fabrikam.test', 'Grace Hopper', 'Fabrikam'],
    ]);
    expect(cw.requests.filter((r) => r.path.endsWith('/company/contacts')).length).toBe(2);
  });

  const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message } }`;
  async function create(name: string, given = credentials()): Promise<string> {
    const created = await admin.gql(
      `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`,
      { input: { name, type: 'CONNECTWISE', credentials: given, options: { sendInvitationEmails: false, suspendThresholdPercent: 100 } } },
    );
    expect(created.errors).toBeUndefined();
    return created.data!.createIntegration.integration.id;
  }
  async function sync(integrationId: string) {
    const started = await admin.gql(`mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`, {
      input: { integrationId },
    });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    return (
      await admin.gql(
        `query($id: ID!) { syncRun(id: $id) { state error counts { created linked updated unchanged suspended skipped failed }
          items(page: { first: 50 }) { edges { node { resourceType label action } } } } }`,
        { id: started.data!.startSync.run.id },
      )
    ).data!.syncRun;
  }
  const membership = (email: string) => roster.dataSource.getRepository(MembershipEntity).findOneBy({ accountId, email });
  const actions = (run: any) => run.items.edges.map((e: any) => [e.node.resourceType, e.node.label, e.node.action]);

  it('reads contacts over three pages, changes nothing the second time, then follows a new name and address, an inactive contact and a removed one', async () => {
    cw.contacts = [];
    cw.maxPageSize = 2;
    const northwind = cw.addCompany('Northwind Traders');
    const contacts = ['a', 'b', 'c', 'd', 'e'].map((n) => cw.addContact(northwind, 'Contact', n.toUpperCase(), `${n}@northwind.test`));
    const integrationId = await create('Manage lifecycle');

    const from = cw.requests.length;
    const first = await sync(integrationId);
    expect(first).toMatchObject({ state: 'SUCCEEDED', error: null, counts: { created: 6, failed: 0 } });
    expect(
      cw.requests
        .slice(from)
        .filter((r) => r.path.endsWith('/company/contacts'))
        .map((r) => r.page),
    ).toEqual([1, 2, 3]);
    const ada = (await membership('a@northwind.test'))!;
    const invitation = await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ membershipId: ada.id });

    const second = await sync(integrationId);
    expect(second).toMatchObject({ state: 'SUCCEEDED', counts: { created: 0, linked: 0, updated: 0, suspended: 0, failed: 0 } });
    expect(second.items.edges).toEqual([]);

    // Between two syncs: contact A is renamed with a new address (same contact id), B is made inactive, C deleted.
    contacts[0]!.firstName = 'Ada';
    contacts[0]!.lastName = 'King';
    contacts[0]!.communicationItems.find((i) => i.communicationType === 'Email')!.value = 'ada.king@northwind.test';
    contacts[1]!.inactiveFlag = true;
    cw.contacts = cw.contacts.filter((c) => c !== contacts[2]);

    const third = await sync(integrationId);
    expect(third).toMatchObject({ state: 'SUCCEEDED', counts: { created: 0, updated: 1, suspended: 2, failed: 0 } });
    expect(actions(third).sort()).toEqual([
      ['USER', 'ada.king@northwind.test', 'UPDATED'],
      ['USER', 'b@northwind.test', 'SUSPENDED'],
      ['USER', 'c@northwind.test', 'SUSPENDED'],
    ]);
    expect(await membership('a@northwind.test')).toBeNull();
    expect(await membership('ada.king@northwind.test')).toMatchObject({ id: ada.id, name: 'Ada King', status: UserStatus.INVITED });
    expect(await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ id: invitation.id })).toMatchObject({
      state: InvitationState.PENDING,
      email: 'ada.king@northwind.test',
    });
    expect((await membership('b@northwind.test'))!.status).toBe(UserStatus.SUSPENDED);
    expect((await membership('c@northwind.test'))!.status).toBe(UserStatus.SUSPENDED);
    expect((await membership('d@northwind.test'))!.status).toBe(UserStatus.INVITED);
  });

  it('waits as long as a 429’s Retry-After says, then finishes the run', async () => {
    cw.contacts = [];
    cw.addContact(cw.addCompany('Throttled Inc'), 'Slow', 'Down', 'slow@throttled.test');
    const integrationId = await create('Manage throttled');
    slept.length = 0;
    cw.throttleNext(4, 9);
    const run = await sync(integrationId);
    expect(run).toMatchObject({ state: 'SUCCEEDED', error: null, counts: { created: 2 } });
    expect(cw.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(slept.filter((ms) => ms >= 1000)).toEqual([4000, 9000]);
  });

  it('says what is wrong with the credentials, in Test connection and in the failed run: the keys, the client id, the member’s rights', async () => {
    const cases = [
      { name: 'keys', given: credentials('wrong'), failure: 'AUTHENTICATION_FAILED', message: /refused the API keys \(401\)/ },
      {
        name: 'client id',
        given: credentials().map((c) => (c.name === 'clientId' ? { ...c, value: 'not-our-client' } : c)),
        failure: 'UPSTREAM_ERROR',
        message: /answered 400.*client id/,
      },
      { name: 'rights', given: credentials(), failure: 'PERMISSION_DENIED', message: /inquire rights on Companies and Contacts/ },
    ];
    for (const c of cases) {
      cw.inquireRights = c.name !== 'rights';
      const tested = (await admin.gql(TEST, { input: { type: 'CONNECTWISE', credentials: c.given } })).data!.testIntegrationConnection;
      expect(tested, c.name).toMatchObject({ ok: false, failure: c.failure, message: expect.stringMatching(c.message) });
      expect(tested.message).not.toContain(cw.privateKey);
      const run = await sync(await create(`Manage ${c.name}`, c.given));
      expect(run, c.name).toMatchObject({ state: 'FAILED', error: expect.stringMatching(c.message) });
    }
    cw.inquireRights = true;
  });
});
