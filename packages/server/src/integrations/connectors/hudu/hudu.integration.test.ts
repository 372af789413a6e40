import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../../accounts/roles.js';
import { CompanyEntity } from '../../../companies/company.entity.js';
import { newId } from '../../../core/db/columns.js';
import { WebhookDeliveryEntity } from '../../../webhooks/webhook-delivery.entity.js';
import { WebhookEndpointEntity } from '../../../webhooks/webhook-endpoint.entity.js';
import { VaultItemEntity } from '../../../vault/vault-item.entity.js';
import { builders } from '../../../../test/builders.js';
import { dialects } from '../../../../test/databases.js';
import { FakeHudu } from '../../../../test/fakes/hudu.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../../test/harness.js';

/** Every secret the fake holds: none may appear anywhere but in a reveal. */
const SECRETS = [
  'Firewall-Hudu-Pa55-1',
  'Firewall-Hudu-Pa55-2',
  'JBSWY3DPEHPK3PXPHUDQ',
  'Nas-Admin-Hudu-77',
  'Wifi-Hudu-Key-31',
  'Switch-Hudu-Pin-5',
  'Camera-Hudu-Code-9',
];

describe.each(dialects)('Hudu sync into companies and the vault (%s)', (dialect) => {
  let roster: TestRoster;
  let hudu: FakeHudu;
  let admin: TestClient;
  let accountId: string;
  let integrationId: string;
  const slept: number[] = [];
  const logged: string[] = [];
  /** Every API answer the test read, to grep for secrets at the end. */
  const answers: string[] = [];

  beforeAll(async () => {
    hudu = await new FakeHudu().start();
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
    const account = await build.anAccount({ name: 'Hudu MSP' });
    accountId = account.id;
    const owner = await build.aUser(account.id, { email: 'owner@hudu.test', role: Role.OWNER, password: 'owner-password' });
    await build.aCompany(account.id, 'Fabrikam');
    admin = new TestClient(roster.url);
    await admin.signIn('owner@hudu.test', 'owner-password');
    const now = new Date();
    const endpointId = newId();
    await roster.dataSource.getRepository(WebhookEndpointEntity).insert({
      id: endpointId,
      accountId,
      url: 'https://hooks.hudu.test/roster',
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
    await hudu?.stop();
  });

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await admin.gql(query, variables);
    answers.push(JSON.stringify(result));
    return result;
  };
  const RUN = `query($id: ID!) { syncRun(id: $id) { id state error pendingSuspensions pendingGroupDeletions pendingVaultArchives
    counts { created linked updated unchanged restored skipped deleted }
    items(page: { first: 100 }) { edges { node { resourceType externalId label action message } } } } }`;
  async function sync(id: string, dryRun = false) {
    const started = await gql(`mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`, {
      input: { integrationId: id, dryRun },
    });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    return (await gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun;
  }
  const actions = (run: any) => run.items.edges.map((e: any) => [e.node.resourceType, e.node.label, e.node.action]);
  const vaultOf = async (companyName: string, includeArchived = false) => {
    const company = await roster.dataSource.getRepository(CompanyEntity).findOneByOrFail({ accountId, name: companyName });
    const list = await gql(
      `query($c: ID!, $a: Boolean!) { vaultItems(companyId: $c, includeArchived: $a) { edges { node { id name username url archivedAt } } } }`,
      { c: company.id, a: includeArchived },
    );
    expect(list.errors).toBeUndefined();
    return list.data!.vaultItems.edges.map((e: any) => e.node);
  };
  const reveal = async (id: string) =>
    (await admin.gql(`mutation($id: ID!) { revealVaultItem(input: { id: $id }) { password totpCode } }`, { id })).data!.revealVaultItem;

  it('tests the key on the customer’s own address, then brings in companies and asset passwords over three pages', async () => {
    const contoso = hudu.addCompany('Contoso');
    const fabrikam = hudu.addCompany('Fabrikam');
    hudu.addCompany('Closed Ltd', true);
    hudu.addPassword(contoso, 'Firewall', SECRETS[0]!, { username: 'admin', url: 'https://fw.contoso.test', otp_secret: SECRETS[2]! });
    hudu.addPassword(contoso, 'NAS', SECRETS[3]!, { description: 'Rack 2' });
    hudu.addPassword(fabrikam, 'Guest Wi-Fi', SECRETS[4]!);
    hudu.addPassword(fabrikam, 'Core switch', SECRETS[5]!);
    hudu.addPassword(fabrikam, 'Cameras', SECRETS[6]!);
    hudu.addPassword(fabrikam, 'Old router', 'archived-in-hudu-value', { archived: true });
    // Six passwords, two a page: the server answers fewer than asked, and the third page is the last full one.
    hudu.maxPageSize = 2;

    const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message } }`;
    const credentials = (key: string) => [
      { name: 'baseUrl', value: hudu.url },
      { name: 'apiKey', value: key },
    ];
    expect((await gql(TEST, { input: { type: 'HUDU', credentials: credentials('wrong') } })).data!.testIntegrationConnection).toEqual({
      ok: false,
      failure: 'AUTHENTICATION_FAILED',
      message: 'Hudu refused the API key (401): check the key and the Hudu address.',
    });
    expect((await gql(TEST, { input: { type: 'HUDU', credentials: credentials(hudu.apiKey) } })).data!.testIntegrationConnection).toEqual({
      ok: true,
      failure: null,
      message: 'Connected to Hudu 2.34.1.',
    });
    const created = await gql(`mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`, {
      input: { name: 'Hudu', type: 'HUDU', credentials: credentials(hudu.apiKey) },
    });
    expect(created.errors).toBeUndefined();
    integrationId = created.data!.createIntegration.integration.id;
    hudu.throttleNext(4);
    const run = await sync(integrationId);
    expect(run).toMatchObject({ state: 'SUCCEEDED', error: null });
    expect(slept).toContain(4000);
    expect(actions(run)).toEqual([
      ['COMPANY', 'Contoso', 'CREATED'],
      ['COMPANY', 'Fabrikam', 'LINKED'],
      ['VAULT_ITEM', 'Firewall', 'CREATED'],
      ['VAULT_ITEM', 'NAS', 'CREATED'],
      ['VAULT_ITEM', 'Guest Wi-Fi', 'CREATED'],
      ['VAULT_ITEM', 'Core switch', 'CREATED'],
      ['VAULT_ITEM', 'Cameras', 'CREATED'],
    ]);
    const companies = await roster.dataSource.getRepository(CompanyEntity).find({ where: { accountId }, order: { name: 'ASC' } });
    expect(companies.map((c) => c.name)).toEqual(['Contoso', 'Fabrikam']);
    // Three pages of passwords, then the empty fourth that ends the listing (Hudu does not say which page is last).
    const passwordPages = hudu.requests.filter((r) => r.status === 200 && r.path.startsWith('/api/v1/asset_passwords?'));
    expect(passwordPages.map((r) => new URL(r.path, hudu.url).searchParams.get('page'))).toEqual(['1', '2', '3', '4']);

    const contosoVault = await vaultOf('Contoso');
    expect(contosoVault.map((i: any) => [i.name, i.username, i.url])).toEqual([
      ['Firewall', 'admin', 'https://fw.contoso.test'],
      ['NAS', null, null],
    ]);
    const firewall = await reveal(contosoVault[0].id);
    expect(firewall.password).toBe(SECRETS[0]);
    expect(firewall.totpCode).toMatch(/^\d{6}$/);
    expect((await reveal(contosoVault[1].id)).totpCode).toBeNull();
  });

  it('sends the stored key to no other address: a new Hudu address needs the key typed again', async () => {
    const moved = await gql(`mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`, {
      input: { id: integrationId, credentials: [{ name: 'baseUrl', value: 'https://elsewhere.example.com' }] },
    });
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'CREDENTIALS_REQUIRED', fields: ['apiKey'], changed: ['baseUrl'] });
  });

  it('changes nothing the second time', async () => {
    const before = await roster.dataSource.getRepository(VaultItemEntity).find({ where: { accountId }, order: { id: 'ASC' } });
    const again = await sync(integrationId);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, linked: 0, deleted: 0, restored: 0 });
    expect(actions(again)).toEqual([]);
    const after = await roster.dataSource.getRepository(VaultItemEntity).find({ where: { accountId }, order: { id: 'ASC' } });
    expect(after.map(({ upstreamSeenAt: _seen, ...rest }) => rest)).toEqual(before.map(({ upstreamSeenAt: _seen, ...rest }) => rest));
  });

  it('stops before archiving most of the vault (a dry run says so), archives nothing until confirmed, then archives', async () => {
    hudu.passwords.find((p) => p.name === 'Firewall')!.password = SECRETS[1]!;
    hudu.passwords.find((p) => p.name === 'Guest Wi-Fi')!.archived = true;
    hudu.passwords = hudu.passwords.filter((p) => p.name !== 'NAS');
    // Two of five gone (40%): above the default safeguard (10%).
    const pending = (name: string) => [
      'VAULT_ITEM',
      name,
      'PENDING_ARCHIVE',
      'No longer upstream: 2 of the integration’s 5 vault item(s) (40%) would be archived; the safeguard stops above 10%.',
    ];
    const withMessages = (run: any) => run.items.edges.map((e: any) => [e.node.resourceType, e.node.label, e.node.action, e.node.message]);
    const dry = await sync(integrationId, true);
    expect(dry).toMatchObject({ state: 'SUCCEEDED', pendingVaultArchives: 2, counts: { updated: 1, deleted: 0 } });
    expect(withMessages(dry)).toEqual([['VAULT_ITEM', 'Firewall', 'UPDATED', null], pending('Guest Wi-Fi'), pending('NAS')]);

    const waiting = await sync(integrationId);
    expect(waiting).toMatchObject({
      state: 'AWAITING_CONFIRMATION',
      pendingVaultArchives: 2,
      pendingSuspensions: 0,
      pendingGroupDeletions: 0,
      counts: { updated: 1, deleted: 0 },
    });
    expect(withMessages(waiting)).toEqual([['VAULT_ITEM', 'Firewall', 'UPDATED', null], pending('Guest Wi-Fi'), pending('NAS')]);
    // Only the removals wait: the changed password is in, nothing is archived.
    expect((await vaultOf('Contoso')).map((i: any) => i.name)).toEqual(['Firewall', 'NAS']);
    expect((await vaultOf('Fabrikam')).map((i: any) => i.name)).toEqual(['Cameras', 'Core switch', 'Guest Wi-Fi']);

    const confirmed = await gql(`mutation($input: SyncRunIdInput!) { confirmSync(input: $input) { run { state } } }`, {
      input: { runId: waiting.id },
    });
    expect(confirmed.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    const run = (await gql(RUN, { id: waiting.id })).data!.syncRun;
    expect(run).toMatchObject({ state: 'SUCCEEDED', pendingVaultArchives: 0, counts: { updated: 1, deleted: 2 } });
    expect(actions(run)).toEqual([
      ['VAULT_ITEM', 'Firewall', 'UPDATED'],
      ['VAULT_ITEM', 'Guest Wi-Fi', 'ARCHIVED'],
      ['VAULT_ITEM', 'NAS', 'ARCHIVED'],
    ]);
    const contosoVault = await vaultOf('Contoso');
    expect(contosoVault.map((i: any) => i.name)).toEqual(['Firewall']);
    expect((await reveal(contosoVault[0].id)).password).toBe(SECRETS[1]);
    expect((await vaultOf('Fabrikam', true)).find((i: any) => i.name === 'Guest Wi-Fi').archivedAt).not.toBeNull();
    expect((await vaultOf('Fabrikam')).map((i: any) => i.name)).toEqual(['Cameras', 'Core switch']);
  });

  it('archives an item gone upstream at once when that is under the threshold', async () => {
    const options = await gql(`mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`, {
      input: { id: integrationId, options: { suspendThresholdPercent: 40 } },
    });
    expect(options.errors).toBeUndefined();
    // One of three current items (33%).
    hudu.passwords = hudu.passwords.filter((p) => p.name !== 'Cameras');
    const run = await sync(integrationId);
    expect(run).toMatchObject({ state: 'SUCCEEDED', pendingVaultArchives: 0, counts: { deleted: 1 } });
    expect(actions(run)).toEqual([['VAULT_ITEM', 'Cameras', 'ARCHIVED']]);
    expect((await vaultOf('Fabrikam')).map((i: any) => i.name)).toEqual(['Core switch']);
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
    expect(everything).toContain('Firewall');
    for (const secret of [...SECRETS, 'archived-in-hudu-value', hudu.apiKey]) expect(everything).not.toContain(secret);
  });
});
