import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { MembershipEntity } from '../../../accounts/membership.entity.js';
import { Role } from '../../../accounts/roles.js';
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

  beforeAll(async () => {
    cw = await new FakeConnectWise().start();
    // The fake listens on 127.0.0.1 over http, which only this setting lets integrations call.
    roster = await startTestRoster(dialect, { outboundAllowPrivateNetworks: true }, { runOutboxWorker: false, runSyncEngine: false });
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
});
