import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { Attribute, Change } from 'ldapts';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startExampleSlapd } from '../../test/fakes/ldap-directory.js';
import { personLdif, slapdAvailable, type Slapd } from '../../test/fakes/slapd.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';

const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id type status } } }`;
const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message integration { status } } }`;
const START = `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`;
const RUN = `query($id: ID!) { syncRun(id: $id) { state error counts { created linked updated unchanged suspended restored kept skipped failed }
  items(page: { first: 100 }) { edges { node { label action } } } } }`;

const replace = (type: string, values: string[]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) });

describe.skipIf(!slapdAvailable()).each(dialects)('LDAP / Active Directory integration against a real slapd (%s)', (dialect) => {
  let roster: TestRoster;
  let slapd: Slapd;
  let dn: (uid: string) => string;
  let groupDn: (cn: string) => string;
  let admin: TestClient;
  let accountId: string;

  beforeAll(async () => {
    // frank is there to be deleted upstream.
    ({ slapd, dn, groupDn } = await startExampleSlapd(
      personLdif('uid=frank,ou=people,dc=example,dc=org', { uid: 'frank', givenName: 'Frank', sn: 'Fox', mail: 'frank@example.org' }),
    ));
    roster = await startTestRoster(
      dialect,
      { outboundAllowPrivateNetworks: true },
      {
        runOutboxWorker: false,
        runSyncEngine: false,
        runImportRunner: false,
        runWebhookWorker: false,
        connectorEnvironment: { ldapPageSize: 2 },
      },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'LDAP MSP' });
    accountId = account.id;
    await build.aUser(account.id, { email: 'owner@ldap-msp.test', role: Role.OWNER, password: 'owner-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('owner@ldap-msp.test', 'owner-password');
  });
  afterAll(async () => {
    await roster?.close();
    await slapd?.stop();
  });

  const credentials = (overrides: Record<string, string> = {}) =>
    Object.entries({
      url: slapd.url,
      bindDn: slapd.bindDn,
      bindPassword: slapd.bindPassword,
      baseDn: slapd.suffix,
      startTls: 'yes',
      caCertificate: slapd.certificates.ca,
      nestedGroups: 'yes',
      ...overrides,
    }).map(([name, value]) => ({ name, value }));

  async function sync(integrationId: string) {
    const started = await admin.gql(START, { input: { integrationId } });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    return (await admin.gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun;
  }
  const members = (emails: string[]) =>
    roster.dataSource.getRepository(MembershipEntity).find({ where: { accountId, email: In(emails) }, order: { email: 'ASC' } });
  async function groupMembers(name: string): Promise<string[]> {
    const group = await roster.dataSource.getRepository(GroupEntity).findOneByOrFail({ accountId, name });
    const rows = await roster.dataSource.getRepository(GroupMemberEntity).findBy({ groupId: group.id });
    const people = await roster.dataSource.getRepository(MembershipEntity).findBy({ id: In(rows.map((r) => r.membershipId)) });
    return people.map((p) => p.email).sort();
  }

  it('lists the LDAP type with its fields, and says clearly what is wrong in Test connection', async () => {
    const types = await admin.gql(`{ integrationTypes { type credentialFields { name secret required control destination } } }`);
    const fields = types.data!.integrationTypes.find((t: any) => t.type === 'LDAP').credentialFields;
    expect(fields.filter((f: any) => f.required).map((f: any) => f.name)).toEqual(['url', 'bindDn', 'bindPassword', 'baseDn']);
    expect(fields.find((f: any) => f.name === 'bindPassword')).toMatchObject({ secret: true });
    expect(fields.find((f: any) => f.name === 'caCertificate')).toMatchObject({ control: 'MULTILINE' });
    expect(fields.find((f: any) => f.name === 'startTls')).toMatchObject({ control: 'YES_NO' });
    expect(fields.filter((f: any) => f.destination).map((f: any) => f.name)).toEqual(['url']);

    const test = async (overrides: Record<string, string>) =>
      (await admin.gql(TEST, { input: { type: 'LDAP', credentials: credentials(overrides) } })).data!.testIntegrationConnection;
    expect(await test({})).toMatchObject({
      ok: true,
      message: expect.stringContaining(`Connected to ${slapd.url} as ${slapd.bindDn} (StartTLS)`),
    });
    expect(await test({ bindPassword: 'wrong' })).toMatchObject({
      ok: false,
      failure: 'AUTHENTICATION_FAILED',
      message: expect.stringContaining('refused the bind DN or password (invalidCredentials)'),
    });
    expect(await test({ baseDn: 'ou=gone,dc=example,dc=org' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('The base DN "ou=gone,dc=example,dc=org" does not exist'),
    });
    expect(await test({ userFilter: '(&(objectClass=person)' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('is not a valid LDAP filter'),
    });
    expect(await test({ url: 'ldap://127.0.0.1:1' })).toMatchObject({
      ok: false,
      failure: 'UNREACHABLE',
      message: 'ldap://127.0.0.1:1 could not be reached (ECONNREFUSED).',
    });
    expect(await test({ caCertificate: slapd.certificates.otherCa })).toMatchObject({
      ok: false,
      failure: 'UNREACHABLE',
      message: expect.stringContaining('is not trusted'),
    });
  });

  it('syncs users and nested groups, changes nothing the second time, then follows a rename, an email change, a disabled and a deleted user, and membership changes', async () => {
    const created = await admin.gql(CREATE, {
      input: { name: 'Head office AD', type: 'LDAP', credentials: credentials(), options: { suspendThresholdPercent: 100 } },
    });
    expect(created.errors).toBeUndefined();
    const integrationId = created.data!.createIntegration.integration.id;

    // Six people over three pages (two a page), three groups.
    const first = await sync(integrationId);
    expect(first).toMatchObject({ state: 'SUCCEEDED', error: null, counts: { failed: 0 } });
    const everyone = ['ann', 'bob', 'carol', 'dave', 'eve', 'frank'].map((u) => `${u}@example.org`);
    const afterFirst = await members(everyone);
    expect(afterFirst.map((m) => m.email)).toEqual(everyone);
    expect(afterFirst.find((m) => m.email === 'ann@example.org')).toMatchObject({ name: 'Ann Archer', source: 'INTEGRATION' });
    // userAccountControl 514: disabled in AD, so never active here.
    expect(afterFirst.find((m) => m.email === 'dave@example.org')!.status).toBe(UserStatus.SUSPENDED);
    expect(afterFirst.filter((m) => m.email !== 'dave@example.org').every((m) => m.status === UserStatus.INVITED)).toBe(true);
    expect(await groupMembers('Helpdesk')).toEqual(['ann@example.org']);
    expect(await groupMembers('Engineering')).toEqual(['ann@example.org', 'bob@example.org']);
    expect(await groupMembers('Empty')).toEqual([]);

    const second = await sync(integrationId);
    expect(second).toMatchObject({ state: 'SUCCEEDED', counts: { created: 0, linked: 0, updated: 0, suspended: 0, failed: 0 } });
    expect(second.items.edges).toEqual([]);

    // Upstream: ann renamed and moved (same objectGUID), bob's address changed, eve disabled, frank deleted,
    // Helpdesk now holds carol instead of ann.
    await slapd.change(async (client) => {
      await client.modifyDN(dn('ann'), `uid=ann.archer,ou=service,${slapd.suffix}`);
      await client.modify(dn('bob'), replace('mail', ['bob.baker@example.org']));
      await client.modify(dn('eve'), replace('userAccountControl', ['514']));
      await client.del(dn('frank'));
      await client.modify(groupDn('Helpdesk'), replace('member', [dn('carol')]));
    });
    const third = await sync(integrationId);
    expect(third).toMatchObject({ state: 'SUCCEEDED', counts: { created: 0, linked: 0, updated: 3, suspended: 2, failed: 0 } });
    const actions = Object.fromEntries(third.items.edges.map((e: any) => [e.node.label, e.node.action]));
    // Updated: bob and the two groups whose members changed. ann's rename and move changed nothing Roster keeps:
    // her objectGUID still names her.
    expect(actions).toEqual({
      'bob.baker@example.org': 'UPDATED',
      'eve@example.org': 'SUSPENDED',
      'frank@example.org': 'SUSPENDED',
      Helpdesk: 'UPDATED',
      Engineering: 'UPDATED',
    });
    const afterThird = await members([
      'ann@example.org',
      'bob.baker@example.org',
      'bob@example.org',
      'eve@example.org',
      'frank@example.org',
    ]);
    const byEmail = Object.fromEntries(afterThird.map((m) => [m.email, m]));
    // The rename kept ann linked: same user, nobody new.
    expect(byEmail['ann@example.org']!.id).toBe(afterFirst.find((m) => m.email === 'ann@example.org')!.id);
    expect(byEmail['ann@example.org']!.status).toBe(UserStatus.INVITED);
    expect(byEmail['bob@example.org']).toBeUndefined();
    expect(byEmail['bob.baker@example.org']!.id).toBe(afterFirst.find((m) => m.email === 'bob@example.org')!.id);
    expect(byEmail['eve@example.org']!.status).toBe(UserStatus.SUSPENDED);
    expect(byEmail['frank@example.org']!.status).toBe(UserStatus.SUSPENDED);
    expect(await groupMembers('Helpdesk')).toEqual(['carol@example.org']);
    expect(await groupMembers('Engineering')).toEqual(['bob.baker@example.org', 'carol@example.org']);
  });

  it('fails a run with the directory’s reason when the bind password stops working', async () => {
    const created = await admin.gql(CREATE, {
      input: { name: 'Stale password', type: 'LDAP', credentials: credentials({ bindPassword: 'changed' }) },
    });
    const run = await sync(created.data!.createIntegration.integration.id);
    expect(run).toMatchObject({ state: 'FAILED', error: expect.stringContaining('refused the bind DN or password (invalidCredentials)') });
  });
});
