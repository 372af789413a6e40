import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../../accounts/roles.js';
import { MembershipEntity } from '../../../accounts/membership.entity.js';
import { CompanyEntity } from '../../../companies/company.entity.js';
import { newId } from '../../../core/db/columns.js';
import { WebhookDeliveryEntity } from '../../../webhooks/webhook-delivery.entity.js';
import { WebhookEndpointEntity } from '../../../webhooks/webhook-endpoint.entity.js';
import { VaultItemEntity } from '../../../vault/vault-item.entity.js';
import { builders } from '../../../../test/builders.js';
import { dialects } from '../../../../test/databases.js';
import { FakeConnectWise } from '../../../../test/fakes/connectwise.js';
import { FakeItGlue } from '../../../../test/fakes/it-glue.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../../test/harness.js';

/** Every secret the fake holds: none may appear anywhere but in a reveal. */
const SECRETS = [
  'Router-Pa55-first!',
  'Router-Pa55-second!',
  'Wifi-Guest-Key-7781',
  'Domain-Admin-Xy99',
  'Backup-Pass-Q1',
  'Printer-Pin-40404',
];

describe.each(dialects)('IT Glue sync into companies, users and the vault (%s)', (dialect) => {
  let roster: TestRoster;
  let itg: FakeItGlue;
  let cw: FakeConnectWise;
  let admin: TestClient;
  let accountId: string;
  let integrationId: string;
  const slept: number[] = [];
  const logged: string[] = [];
  /** Every API answer the test read, to grep for secrets at the end. */
  const answers: string[] = [];

  beforeAll(async () => {
    itg = await new FakeItGlue().start();
    cw = await new FakeConnectWise().start();
    roster = await startTestRoster(
      dialect,
      { outboundAllowPrivateNetworks: true },
      {
        runOutboxWorker: false,
        runSyncEngine: false,
        runWebhookWorker: false,
        logger: { info: (m) => void logged.push(m), error: (m, e) => void logged.push(`${m} ${String(e ?? '')}`) },
        connectorEnvironment: { sleep: async (ms) => void slept.push(ms) },
      },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Docs MSP' });
    accountId = account.id;
    const owner = await build.aUser(account.id, { email: 'owner@docs.test', role: Role.OWNER, password: 'owner-password' });
    await build.aCompany(account.id, 'Fabrikam');
    admin = new TestClient(roster.url);
    await admin.signIn('owner@docs.test', 'owner-password');
    const now = new Date();
    const endpointId = newId();
    await roster.dataSource.getRepository(WebhookEndpointEntity).insert({
      id: endpointId,
      accountId,
      url: 'https://hooks.docs.test/roster',
      description: null,
      events: 'sync.finished vault.item_revealed',
      sealedSecret: roster.services.secretBox.seal('whsec_test', `webhook:${endpointId}`),
      secretPrefix: 'whsec_te',
      enabled: true,
      createdByPersonId: owner.personId,
      createdAt: now,
      updatedAt: now,
      secretRolledAt: null,
    });
  });
  afterAll(async () => {
    await roster?.close();
    await itg?.stop();
    await cw?.stop();
  });

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await admin.gql(query, variables);
    answers.push(JSON.stringify(result));
    return result;
  };
  async function sync(id: string, dryRun = false) {
    const started = await gql(`mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`, {
      input: { integrationId: id, dryRun },
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
  const vaultOf = async (companyName: string, includeArchived = false) => {
    const company = await roster.dataSource.getRepository(CompanyEntity).findOneByOrFail({ accountId, name: companyName });
    const list = await gql(
      `query($c: ID!, $a: Boolean!) { vaultItems(companyId: $c, includeArchived: $a) { edges { node { id name username url archivedAt integrationId upstreamId } } } }`,
      { c: company.id, a: includeArchived },
    );
    expect(list.errors).toBeUndefined();
    return list.data!.vaultItems.edges.map((e: any) => e.node);
  };
  const reveal = async (id: string) =>
    (await admin.gql(`mutation($id: ID!) { revealVaultItem(input: { id: $id }) { password } }`, { id })).data!.revealVaultItem.password;

  it('tests the key, then brings in organizations (one company with ConnectWise’s), contacts and passwords over three pages', async () => {
    // ConnectWise first: its "Contoso Ltd" is the organization IT Glue calls "Contoso Limited" and carries the PSA id of.
    const cwContoso = cw.addCompany('Contoso Ltd');
    const cwIntegration = await gql(
      `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`,
      {
        input: {
          name: 'Manage',
          type: 'CONNECTWISE',
          options: { sendInvitationEmails: false },
          credentials: [
            { name: 'site', value: cw.url },
            { name: 'companyId', value: cw.companyId },
            { name: 'publicKey', value: cw.publicKey },
            { name: 'privateKey', value: cw.privateKey },
            { name: 'clientId', value: cw.clientId },
          ],
        },
      },
    );
    expect((await sync(cwIntegration.data!.createIntegration.integration.id)).state).toBe('SUCCEEDED');

    const contoso = itg.addOrganization('Contoso Limited', { id: String(cwContoso.id), integration: 'manage' });
    const fabrikam = itg.addOrganization('Fabrikam');
    const tailspin = itg.addOrganization('Tailspin Toys');
    itg.addContact(contoso, 'Ada', 'Lovelace', 'ada@contoso.test');
    itg.addContact(tailspin, 'No', 'Email', null);
    itg.addPassword(contoso, 'Core router', SECRETS[0]!, { username: 'admin', url: 'https://10.0.0.1' });
    itg.addPassword(contoso, 'Guest Wi-Fi', SECRETS[2]!);
    itg.addPassword(fabrikam, 'Domain admin', SECRETS[3]!, { username: 'FABRIKAM\\admin', notes: 'Rotate quarterly' });
    itg.addPassword(fabrikam, 'Backup', SECRETS[4]!);
    itg.addPassword(tailspin, 'Printer', SECRETS[5]!);
    itg.addPassword(tailspin, 'Old printer', 'archived-upstream-value', { archived: true });
    itg.maxPageSize = 2;

    const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message } }`;
    const region = (key: string) => [
      { name: 'region', value: itg.url },
      { name: 'apiKey', value: key },
    ];
    expect((await gql(TEST, { input: { type: 'IT_GLUE', credentials: region('wrong') } })).data!.testIntegrationConnection).toMatchObject({
      ok: false,
      failure: 'AUTHENTICATION_FAILED',
    });
    expect(
      (await gql(TEST, { input: { type: 'IT_GLUE', credentials: region(itg.apiKey) } })).data!.testIntegrationConnection,
    ).toMatchObject({
      ok: true,
      message: 'Connected to IT Glue (3 organizations).',
    });
    const created = await gql(`mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`, {
      // Half the vault is archived below: at the threshold, not above it (Hudu's test covers a run stopped by it).
      input: {
        name: 'Docs',
        type: 'IT_GLUE',
        credentials: region(itg.apiKey),
        options: { sendInvitationEmails: false, suspendThresholdPercent: 50 },
      },
    });
    integrationId = created.data!.createIntegration.integration.id;
    itg.throttleNext(2);
    const run = await sync(integrationId);
    expect(run).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(slept).toContain(2000);
    expect(actions(run)).toEqual([
      ['COMPANY', 'Contoso Limited', 'LINKED'],
      ['COMPANY', 'Fabrikam', 'LINKED'],
      ['COMPANY', 'Tailspin Toys', 'CREATED'],
      ['USER', 'ada@contoso.test', 'CREATED'],
      ['USER', 'No Email', 'SKIPPED'],
      ['VAULT_ITEM', 'Core router', 'CREATED'],
      ['VAULT_ITEM', 'Guest Wi-Fi', 'CREATED'],
      ['VAULT_ITEM', 'Domain admin', 'CREATED'],
      ['VAULT_ITEM', 'Backup', 'CREATED'],
      ['VAULT_ITEM', 'Printer', 'CREATED'],
    ]);
    const companies = await roster.dataSource.getRepository(CompanyEntity).find({ where: { accountId }, order: { name: 'ASC' } });
    expect(companies.map((c) => c.name)).toEqual(['Contoso Ltd', 'Fabrikam', 'Tailspin Toys']);
    const ada = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ accountId, email: 'ada@contoso.test' });
    expect(ada.companyId).toBe(companies[0]!.id);
    // Three pages of passwords, each value read on its own.
    expect(itg.requests.filter((r) => r.path.startsWith('/passwords?')).length).toBe(3);
    expect(itg.requests.filter((r) => r.path.includes('show_password=true')).length).toBe(5);

    const contosoVault = await vaultOf('Contoso Ltd');
    expect(contosoVault.map((i: any) => [i.name, i.username, i.url])).toEqual([
      ['Core router', 'admin', 'https://10.0.0.1'],
      ['Guest Wi-Fi', null, null],
    ]);
    expect(contosoVault[0]).toMatchObject({ integrationId, archivedAt: null });
    expect(await reveal(contosoVault[0].id)).toBe(SECRETS[0]);
  });

  it('changes nothing the second time, and a dry run writes nothing', async () => {
    const before = await roster.dataSource.getRepository(VaultItemEntity).find({ where: { accountId }, order: { id: 'ASC' } });
    const again = await sync(integrationId);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, linked: 0, deleted: 0, restored: 0 });
    expect(actions(again)).toEqual([['USER', 'No Email', 'SKIPPED']]);
    expect(again.items.edges[0].node.message).toBe('The IT Glue contact has no email address.');
    const after = await roster.dataSource.getRepository(VaultItemEntity).find({ where: { accountId }, order: { id: 'ASC' } });
    expect(after.map(({ upstreamSeenAt: _seen, ...rest }) => rest)).toEqual(before.map(({ upstreamSeenAt: _seen, ...rest }) => rest));

    itg.passwords.find((p) => p.name === 'Core router')!.password = SECRETS[1]!;
    const dry = await sync(integrationId, true);
    expect(actions(dry)).toContainEqual(['VAULT_ITEM', 'Core router', 'UPDATED']);
    const untouched = await roster.dataSource.getRepository(VaultItemEntity).find({ where: { accountId }, order: { id: 'ASC' } });
    expect(untouched.map((i) => i.sealedPassword)).toEqual(after.map((i) => i.sealedPassword));
    expect(await reveal((await vaultOf('Contoso Ltd'))[0].id)).toBe(SECRETS[0]);
  });

  it('follows a password changed upstream and archives one archived or deleted upstream', async () => {
    itg.passwords.find((p) => p.name === 'Guest Wi-Fi')!.archived = true;
    itg.passwords = itg.passwords.filter((p) => p.name !== 'Backup');
    const run = await sync(integrationId);
    expect(run.state).toBe('SUCCEEDED');
    expect(actions(run).filter((a: string[]) => a[0] === 'VAULT_ITEM')).toEqual([
      ['VAULT_ITEM', 'Core router', 'UPDATED'],
      ['VAULT_ITEM', 'Backup', 'ARCHIVED'],
      ['VAULT_ITEM', 'Guest Wi-Fi', 'ARCHIVED'],
    ]);
    const contosoVault = await vaultOf('Contoso Ltd');
    expect(contosoVault.map((i: any) => i.name)).toEqual(['Core router']);
    expect(await reveal(contosoVault[0].id)).toBe(SECRETS[1]);
    const withArchived = await vaultOf('Contoso Ltd', true);
    expect(withArchived.find((i: any) => i.name === 'Guest Wi-Fi').archivedAt).not.toBeNull();
    expect((await vaultOf('Fabrikam')).map((i: any) => i.name)).toEqual(['Domain admin']);
  });

  it('never shows a secret in an API list, a log line, an audit entry, a webhook payload or a run item', async () => {
    // Positive marker: the runs finished and their webhooks were queued.
    const deliveries = await roster.dataSource.getRepository(WebhookDeliveryEntity).findBy({ accountId });
    expect(deliveries.some((d) => d.eventType === 'sync.finished')).toBe(true);
    const runs = await gql(
      `query($i: ID!) { syncRuns(integrationId: $i, page: { first: 5 }) { edges { node { id state items(page: { first: 40 }) { edges { node { label message externalId } } } } } } }`,
      { i: integrationId },
    );
    expect(runs.errors).toBeUndefined();
    const tables = await Promise.all(
      ['sync_run_items', 'sync_runs', 'audit_events', 'webhook_deliveries', 'external_links', 'integrations', 'vault_items'].map(
        async (table) => JSON.stringify(await roster.dataSource.query(`SELECT * FROM ${table}`)),
      ),
    );
    const everything = [...answers, logged.join('\n'), JSON.stringify(deliveries), ...tables].join('\n');
    expect(everything).toContain('Core router');
    for (const secret of [...SECRETS, 'archived-upstream-value']) expect(everything).not.toContain(secret);
  });
});
