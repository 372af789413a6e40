import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { newId } from '../core/db/columns.js';
import { SecretBox } from '../integrations/secret-box.js';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity.js';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity.js';
import { rotateCredentialsKey } from '../app/credentials-rotation.js';
import { VaultItemEntity } from './vault-item.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';

const PASSWORD = 'Hunter2-vault-secret-Q7';
const NOTES = 'Break-glass PIN 99331177';
const TOTP = 'JBSWY3DPEHPK3PXP';

const CREATE = `mutation($input: CreateVaultItemInput!) { createVaultItem(input: $input) { item { id name username hasTotp hasNotes } } }`;
const LIST = `query($c: ID!, $s: String) { vaultItems(companyId: $c, search: $s) { totalCount edges { node { id name username url hasNotes hasTotp archivedAt } } } }`;
const REVEAL = `mutation($id: ID!) { revealVaultItem(input: { id: $id }) { password notes totpCode totpExpiresInSeconds item { name } } }`;
const ACCESS = `query($c: ID!) { vaultAccess(companyId: $c) { companyName viewerCanReveal groups { name } } }`;

describe.each(dialects)('the company vault (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let member: TestClient;
  let accountId: string;
  let companyId: string;
  let groupId: string;
  let itemId: string;
  const credentialsKey = randomBytes(32);
  /** Every line the server logged during the test. */
  const logged: string[] = [];

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      { credentialsKey },
      {
        runOutboxWorker: false,
        runSyncEngine: false,
        runWebhookWorker: false,
        logger: {
          info: (m) => void logged.push(m),
          warn: (m, fields) => void logged.push(`WARN ${m} ${JSON.stringify(fields ?? {})}`),
          error: (m, e) => void logged.push(`${m} ${String(e ?? '')}`),
        },
        vault: { revealLimits: { perWindow: 3, windowMs: 60_000 } },
      },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Vault MSP' });
    accountId = account.id;
    const owner = await build.aUser(account.id, { email: 'owner@vault.test', role: Role.OWNER, password: 'owner-password' });
    companyId = (await build.aCompany(account.id, 'Contoso')).id;
    groupId = (await build.aGroup(account.id, 'Helpdesk')).id;
    await build.aUser(account.id, { email: 'tech@vault.test', role: Role.MEMBER, password: 'tech-password', groupIds: [groupId] });
    admin = new TestClient(roster.url);
    await admin.signIn('owner@vault.test', 'owner-password');
    member = new TestClient(roster.url);
    await member.signIn('tech@vault.test', 'tech-password');
    // A webhook subscribed to reveals: its queued payload is checked for secrets below.
    const now = new Date();
    const endpointId = newId();
    await roster.dataSource.getRepository(WebhookEndpointEntity).insert({
      id: endpointId,
      accountId,
      url: 'https://hooks.vault.test/roster',
      description: null,
      events: 'vault.item_revealed',
      sealedSecret: roster.services.secretBox.seal('whsec_test', `webhook:${endpointId}`),
      secretPrefix: 'whsec_te',
      enabled: true,
      createdByPersonId: owner.personId,
      createdAt: now,
      updatedAt: now,
      secretRolledAt: null,
    });
  });
  afterAll(() => roster?.close());

  it('stores an item sealed: the table holds no secret in clear, and lists and searches show none', async () => {
    const created = await admin.gql(CREATE, {
      input: {
        companyId,
        name: 'Firewall admin',
        username: 'fw-admin',
        password: PASSWORD,
        url: 'https://fw.contoso.test',
        notes: NOTES,
        totpSecret: TOTP,
      },
    });
    expect(created.errors).toBeUndefined();
    itemId = created.data!.createVaultItem.item.id;
    expect(created.data!.createVaultItem.item).toMatchObject({ name: 'Firewall admin', hasTotp: true, hasNotes: true });

    const row = await roster.dataSource.getRepository(VaultItemEntity).findOneByOrFail({ id: itemId });
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(JSON.stringify(row)).not.toContain(TOTP);
    expect(JSON.stringify(row)).not.toContain('99331177');

    const list = await admin.gql(LIST, { c: companyId });
    expect(list.data!.vaultItems.edges.map((e: any) => e.node)).toMatchObject([{ name: 'Firewall admin', username: 'fw-admin' }]);
    const found = await admin.gql(LIST, { c: companyId, s: 'FW-ad' });
    expect(found.data!.vaultItems.totalCount).toBe(1);
    for (const answer of [created, list, found]) {
      const text = JSON.stringify(answer);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(TOTP);
      expect(text).not.toContain('99331177');
    }
  });

  it('refuses a member without access, then lets them reveal once an administrator grants their group access', async () => {
    const refusedList = await member.gql(LIST, { c: companyId });
    expect(errorCode(refusedList)).toBe('FORBIDDEN');
    const refused = await member.gql(REVEAL, { id: itemId });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(JSON.stringify(refused)).not.toContain(PASSWORD);
    expect((await member.gql(ACCESS, { c: companyId })).data!.vaultAccess).toEqual({
      companyName: null,
      viewerCanReveal: false,
      groups: [],
    });
    // The company itself stays an administrators' query.
    expect(errorCode(await member.gql(`query($c: ID!) { company(id: $c) { name } }`, { c: companyId }))).toBe('FORBIDDEN');
    // Only administrators grant.
    expect(
      errorCode(
        await member.gql(`mutation($i: VaultAccessInput!) { grantVaultAccess(input: $i) { companyId } }`, { i: { companyId, groupId } }),
      ),
    ).toBe('FORBIDDEN');

    const granted = await admin.gql(`mutation($i: VaultAccessInput!) { grantVaultAccess(input: $i) { groups { name } } }`, {
      i: { companyId, groupId },
    });
    expect(granted.data!.grantVaultAccess.groups).toEqual([{ name: 'Helpdesk' }]);
    // The Vault page's whole query answers a granted member: the company's name with its vault.
    expect((await member.gql(ACCESS, { c: companyId })).data!.vaultAccess).toEqual({
      companyName: 'Contoso',
      viewerCanReveal: true,
      groups: [{ name: 'Helpdesk' }],
    });
    expect((await member.gql(LIST, { c: companyId })).data!.vaultItems.totalCount).toBe(1);

    const revealed = await member.gql(REVEAL, { id: itemId });
    expect(revealed.errors, logged.join('\n')).toBeUndefined();
    expect(revealed.data!.revealVaultItem).toMatchObject({ password: PASSWORD, notes: NOTES, item: { name: 'Firewall admin' } });
    expect(revealed.data!.revealVaultItem.totpCode).toMatch(/^\d{6}$/);
  });

  it('audits every reveal (who, which item, when, from where) without the secret, in the log, the trail and webhooks', async () => {
    const audit = await admin.gql(
      `{ auditEvents(filter: { actions: ["vault.item_revealed"] }) { edges { node { action actorType actorId targetId details ip createdAt } } } }`,
    );
    const events = audit.data!.auditEvents.edges.map((e: any) => e.node);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'vault.item_revealed', actorType: 'PERSON', targetId: itemId });
    expect(events[0].ip).toBeTruthy();
    expect(JSON.parse(events[0].details)).toMatchObject({ itemName: 'Firewall admin', companyId });

    const deliveries = await roster.dataSource.getRepository(WebhookDeliveryEntity).findBy({ accountId });
    expect(deliveries.length).toBe(1);
    expect(deliveries[0]!.payload).toContain('vault.item_revealed');
    const everyAuditRow = JSON.stringify(await roster.dataSource.query(`SELECT * FROM audit_events WHERE account_id = ?`, [accountId]));
    for (const text of [JSON.stringify(audit), JSON.stringify(deliveries), everyAuditRow, logged.join('\n')]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(TOTP);
      expect(text).not.toContain('99331177');
    }
  });

  it('reveals the password and notes of an item whose TOTP secret makes no code, says the code is unavailable, and logs it without the secret', async () => {
    const malformed = 'NOT-A-BASE32-SECRET-0189';
    const created = await admin.gql(CREATE, {
      input: { companyId, name: 'Legacy VPN', password: 'vpn-pass-81', notes: 'VPN notes', totpSecret: malformed },
    });
    expect(created.data!.createVaultItem.item.hasTotp).toBe(true);
    const id = created.data!.createVaultItem.item.id;
    const revealed = await admin.gql(
      `mutation($id: ID!) { revealVaultItem(input: { id: $id }) { password notes totpCode totpExpiresInSeconds totpError item { name } } }`,
      { id },
    );
    expect(revealed.errors).toBeUndefined();
    expect(revealed.data!.revealVaultItem).toEqual({
      password: 'vpn-pass-81',
      notes: 'VPN notes',
      totpCode: null,
      totpExpiresInSeconds: null,
      totpError: 'The stored TOTP secret is not a valid base32 secret, so no code can be made; correct it where it comes from.',
      item: { name: 'Legacy VPN' },
    });
    // A good secret still gives its code and no error.
    expect(
      (await admin.gql(`mutation($id: ID!) { revealVaultItem(input: { id: $id }) { totpCode totpError } }`, { id: itemId })).data,
    ).toMatchObject({ revealVaultItem: { totpCode: expect.stringMatching(/^\d{6}$/), totpError: null } });
    const warnings = logged.filter((line) => line.startsWith('WARN '));
    expect(warnings).toEqual([expect.stringContaining(`"vaultItemId":"${id}"`)]);
    expect(warnings[0]).toContain('TOTP secret that makes no code');
    expect(logged.join('\n')).not.toContain('BASE32-SECRET');
    await roster.dataSource.getRepository(VaultItemEntity).delete({ id });
  });

  it('rate-limits reveals per person', async () => {
    // The limit is 3 per minute here; the member has revealed once.
    expect((await member.gql(REVEAL, { id: itemId })).errors).toBeUndefined();
    expect((await member.gql(REVEAL, { id: itemId })).errors).toBeUndefined();
    const limited = await member.gql(REVEAL, { id: itemId });
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    expect(limited.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    // Someone else still may.
    expect((await admin.gql(REVEAL, { id: itemId })).data!.revealVaultItem.password).toBe(PASSWORD);
  });

  it('takes access back', async () => {
    await admin.gql(`mutation($i: VaultAccessInput!) { revokeVaultAccess(input: $i) { companyId } }`, { i: { companyId, groupId } });
    expect(errorCode(await member.gql(LIST, { c: companyId }))).toBe('FORBIDDEN');
  });

  it('keeps every item readable after the credentials key is rotated (data keys re-sealed, items untouched)', async () => {
    const second = await admin.gql(CREATE, { input: { companyId, name: 'Wi-Fi', password: 'wifi-pass-2', url: null } });
    const secondId = second.data!.createVaultItem.item.id;
    const before = await roster.dataSource.getRepository(VaultItemEntity).find({ order: { id: 'ASC' } });
    const newKey = randomBytes(32);
    const report = await rotateCredentialsKey(roster.dataSource, new SecretBox(credentialsKey), new SecretBox(newKey));
    expect(report.vaultDataKeys).toBe(1);
    expect(await roster.dataSource.getRepository(VaultItemEntity).find({ order: { id: 'ASC' } })).toEqual(before);
    // Running it again changes nothing and fails on nothing.
    expect((await rotateCredentialsKey(roster.dataSource, new SecretBox(credentialsKey), new SecretBox(newKey))).alreadyRotated).toBe(2);

    // The server restarted with the new key reads every item.
    const database = roster.database;
    await roster.stop();
    roster = await startTestRoster(
      dialect,
      { credentialsKey: newKey },
      { runOutboxWorker: false, runSyncEngine: false, runWebhookWorker: false },
      database,
    );
    const original = roster.close;
    roster.close = async () => {
      await original();
      await database.drop();
    };
    admin = new TestClient(roster.url);
    await admin.signIn('owner@vault.test', 'owner-password');
    expect((await admin.gql(REVEAL, { id: itemId })).data!.revealVaultItem).toMatchObject({ password: PASSWORD, notes: NOTES });
    expect((await admin.gql(REVEAL, { id: secondId })).data!.revealVaultItem).toMatchObject({
      password: 'wifi-pass-2',
      notes: null,
      totpCode: null,
    });
  });
});
