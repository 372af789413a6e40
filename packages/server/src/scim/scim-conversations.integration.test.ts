import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { UserSource, UserStatus } from '../accounts/roles.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { InvitationEntity, InvitationState } from '../invitations/invitation.entity.js';
import { OutboxEmailEntity } from '../mail/outbox-email.entity.js';
import type { AccountEvent } from '../core/events.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { ScimClient, scimFilter } from '../../test/scim-client.js';
import { schemaProblems, servedSchemas } from '../../test/scim-schema-validator.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe.each(dialects)('SCIM conversations of Okta and Entra ID (%s)', (dialect) => {
  let roster: TestRoster;
  let events: AccountEvent[] = [];

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false });
    roster.services.events.subscribe((event) => events.push(event));
  });
  afterAll(() => roster?.close());
  let clients: ScimClient[] = [];
  beforeEach(() => {
    events = [];
    clients = [];
  });

  // A schema-driven client (RFC 7643 §7) reads every response against /Schemas and /ResourceTypes: each response
  // of these conversations must be one it accepts.
  afterEach(async () => {
    if (clients.length === 0) return;
    const [schemasResponse, typesResponse] = [await clients[0]!.get('/Schemas'), await clients[0]!.get('/ResourceTypes')];
    const served = servedSchemas(schemasResponse.body!, typesResponse.body!);
    const problems = clients.flatMap((client) =>
      client.exchanges.flatMap(({ method, path, response }) => schemaProblems(response.body, served).map((p) => `${method} ${path}: ${p}`)),
    );
    expect(problems).toEqual([]);
  });

  const membership = (id: string) => roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id });
  const invitationsOf = (membershipId: string) =>
    roster.dataSource.getRepository(InvitationEntity).find({ where: { membershipId }, order: { createdAt: 'ASC' } });
  const membersOf = async (groupId: string) =>
    (await roster.dataSource.getRepository(GroupMemberEntity).findBy({ groupId })).map((m) => m.membershipId).sort();
  const eventsFor = (userId: string) => events.filter((e) => e.userIds.includes(userId)).map((e) => e.type);

  async function newScimClient(options = {}) {
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    const integration = await build.aScimIntegration(account.id, options);
    const scim = new ScimClient(roster.url, integration.token);
    clients.push(scim);
    return { account, integration, scim, build };
  }

  it('follows Okta: lookup, create (invited, emailed), read, update, deactivate, reactivate, email change', async () => {
    const { account, scim } = await newScimClient();

    // Okta looks the user up by userName before creating.
    const lookup = await scim.get(`/Users?${scimFilter('userName eq "ada.lovelace@okta.test"')}&startIndex=1&count=100`);
    expect(lookup.status).toBe(200);
    expect(lookup.contentType).toMatch(/^application\/scim\+json/);
    expect(lookup.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });

    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'ada.lovelace@okta.test',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, value: 'ada.lovelace@okta.test', type: 'work' }],
      displayName: 'Ada Lovelace',
      locale: 'en-US',
      externalId: '00u1okta',
      groups: [],
      password: 'never-stored',
      active: true,
    });
    expect(created.status).toBe(201);
    const id = created.body!.id as string;
    expect(created.body).toMatchObject({
      id,
      userName: 'ada.lovelace@okta.test',
      externalId: '00u1okta',
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      locale: 'en-US',
      meta: { resourceType: 'User', location: `${roster.url}/scim/v2/Users/${id}` },
    });
    expect(JSON.stringify(created.body)).not.toContain('never-stored');

    // In Roster: a pending user from SCIM, invited with an email (integrations send invitations unless turned off).
    expect(await membership(id)).toMatchObject({
      accountId: account.id,
      email: 'ada.lovelace@okta.test',
      name: 'Ada Lovelace',
      status: UserStatus.INVITED,
      source: UserSource.SCIM,
    });
    const [invitation] = await invitationsOf(id);
    expect(invitation).toMatchObject({ state: InvitationState.PENDING, sendEmail: true });
    expect(
      await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ accountId: account.id, toAddress: 'ada.lovelace@okta.test' }),
    ).toBe(1);
    expect(eventsFor(id)).toContain('user.invited');

    const found = await scim.get(`/Users?${scimFilter('userName eq "ADA.LOVELACE@okta.test"')}`);
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id }] });
    expect((await scim.get(`/Users/${id}`)).body).toMatchObject({ id, userName: 'ada.lovelace@okta.test' });

    // Okta (AIW apps) updates with PUT of the whole user.
    const put = await scim.put(`/Users/${id}`, {
      schemas: [USER],
      id,
      userName: 'ada.lovelace@okta.test',
      name: { givenName: 'Augusta Ada', familyName: 'King' },
      emails: [{ primary: true, value: 'ada.lovelace@okta.test', type: 'work' }],
      displayName: 'Ada King',
      active: true,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ displayName: 'Ada King', name: { givenName: 'Augusta Ada', familyName: 'King' } });
    expect(put.body!.locale).toBeUndefined();
    expect((await membership(id)).name).toBe('Ada King');

    // Okta deactivates with a path-less replace, and never DELETEs users.
    const deactivated = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id, active: false });
    expect((await membership(id)).status).toBe(UserStatus.SUSPENDED);
    expect(eventsFor(id)).toContain('user.suspended');
    // Inactive users stay readable and listed.
    expect((await scim.get(`/Users/${id}`)).body).toMatchObject({ active: false });
    expect((await scim.get(`/Users?${scimFilter('userName eq "ada.lovelace@okta.test"')}`)).body!.totalResults).toBe(1);

    const reactivated = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
    expect(reactivated.body).toMatchObject({ active: true });
    expect((await membership(id)).status).toBe(UserStatus.INVITED);
    expect((await invitationsOf(id)).map((i) => i.state)).toEqual([InvitationState.PENDING]);

    // An email change upstream is followed, and the pending invitation goes with it.
    const renamed = await scim.patch(`/Users/${id}`, [
      { op: 'replace', value: { userName: 'ada.king@okta.test', emails: [{ primary: true, value: 'ada.king@okta.test', type: 'work' }] } },
    ]);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ userName: 'ada.king@okta.test', emails: [{ value: 'ada.king@okta.test' }] });
    expect((await membership(id)).email).toBe('ada.king@okta.test');
    const [followed] = await invitationsOf(id);
    expect(followed).toMatchObject({ id: invitation!.id, state: InvitationState.PENDING, email: 'ada.king@okta.test' });
    expect((await scim.get(`/Users?${scimFilter('userName eq "ada.lovelace@okta.test"')}`)).body!.totalResults).toBe(0);
    expect((await scim.get(`/Users?${scimFilter('userName eq "ada.king@okta.test"')}`)).body!.totalResults).toBe(1);
  });

  it("audits a SCIM create as the integration, with the IdP's IP address", async () => {
    const { account, integration, scim } = await newScimClient();
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'linus@okta.test',
      emails: [{ value: 'linus@okta.test', primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    const entries = await roster.dataSource
      .getRepository(AuditEventEntity)
      .findBy({ accountId: account.id, targetId: created.body!.id as string });
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry).toMatchObject({ actorType: 'SCIM', actorId: integration.id });
      // The test client calls over loopback; Node may show it as an IPv4-mapped IPv6 address.
      expect(['127.0.0.1', '::ffff:127.0.0.1', '::1']).toContain(entry.ip);
    }
  });

  it('answers 409 to a second create of the same userName, whatever its case, and changes nothing', async () => {
    const { account, scim } = await newScimClient();
    const body = { schemas: [USER], userName: 'grace@okta.test', emails: [{ value: 'grace@okta.test', primary: true }], active: true };
    expect((await scim.post('/Users', body)).status).toBe(201);
    const again = await scim.post('/Users', { ...body, userName: 'GRACE@okta.test' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness' });
    expect(await roster.dataSource.getRepository(MembershipEntity).countBy({ accountId: account.id })).toBe(1);
  });

  it('links a user an admin had already invited by email instead of inviting them twice', async () => {
    const { account, scim, build } = await newScimClient();
    const existing = await build.aUser(account.id, { email: 'known@okta.test', status: UserStatus.ACTIVE });
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'known@okta.test',
      emails: [{ value: 'Known@okta.test', primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.body!.id).toBe(existing.id);
    expect(await membership(existing.id)).toMatchObject({ status: UserStatus.ACTIVE, source: UserSource.MANUAL });
    expect(await invitationsOf(existing.id)).toEqual([]);
  });

  it('stages new users for review when the integration does not auto-invite', async () => {
    const { scim } = await newScimClient({ autoInvite: false });
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'staged@okta.test',
      emails: [{ value: 'staged@okta.test', primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    expect(await membership(created.body!.id)).toMatchObject({ status: UserStatus.STAGED, source: UserSource.SCIM });
    expect(await invitationsOf(created.body!.id)).toEqual([]);
  });

  it('sends the invitation email when the integration says so', async () => {
    const { account, scim } = await newScimClient({ sendInvitationEmails: true });
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'mailed@okta.test',
      emails: [{ value: 'mailed@okta.test', primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    const [invitation] = await invitationsOf(created.body!.id);
    expect(invitation!.sendEmail).toBe(true);
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).findBy({ accountId: account.id })).toMatchObject([
      { toAddress: 'mailed@okta.test' },
    ]);
  });

  it('follows an Okta group push: lookup, create with members, rename, add and remove members, delete', async () => {
    const { account, scim } = await newScimClient();
    const ids: string[] = [];
    for (const name of ['ann', 'ben', 'cat']) {
      const created = await scim.post('/Users', {
        schemas: [USER],
        userName: `${name}@okta.test`,
        emails: [{ value: `${name}@okta.test`, primary: true }],
        active: true,
      });
      ids.push(created.body!.id);
    }
    const [ann, ben, cat] = ids as [string, string, string];

    expect((await scim.get(`/Groups?${scimFilter('displayName eq "Engineering"')}&startIndex=1&count=100`)).body).toMatchObject({
      totalResults: 0,
      Resources: [],
    });
    const created = await scim.post('/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering',
      members: [
        { value: ann, display: 'ann@okta.test' },
        { value: ben, display: 'ben@okta.test' },
      ],
    });
    expect(created.status).toBe(201);
    const groupId = created.body!.id as string;
    expect(created.body).toMatchObject({
      displayName: 'Engineering',
      meta: { resourceType: 'Group', location: `${roster.url}/scim/v2/Groups/${groupId}` },
    });
    expect(created.body!.members.map((m: { value: string }) => m.value).sort()).toEqual([ann, ben].sort());
    expect(await roster.dataSource.getRepository(GroupEntity).findOneByOrFail({ id: groupId })).toMatchObject({
      accountId: account.id,
      name: 'Engineering',
    });
    expect(await membersOf(groupId)).toEqual([ann, ben].sort());

    // Okta renames with a path-less replace carrying id and displayName.
    const renamed = await scim.patch(`/Groups/${groupId}`, [{ op: 'replace', value: { id: groupId, displayName: 'Engineering EU' } }]);
    expect(renamed.status).toBe(204);
    expect((await roster.dataSource.getRepository(GroupEntity).findOneByOrFail({ id: groupId })).name).toBe('Engineering EU');

    expect(
      (await scim.patch(`/Groups/${groupId}`, [{ op: 'add', path: 'members', value: [{ value: cat, display: 'cat@okta.test' }] }])).status,
    ).toBe(204);
    expect((await scim.patch(`/Groups/${groupId}`, [{ op: 'remove', path: `members[value eq "${ann}"]` }])).status).toBe(204);
    expect(await membersOf(groupId)).toEqual([ben, cat].sort());
    expect(eventsFor(cat)).toContain('user.changed');

    const read = await scim.get(`/Groups/${groupId}`);
    expect(read.body).toMatchObject({ id: groupId, displayName: 'Engineering EU' });
    expect(read.body!.members.map((m: { value: string }) => m.value).sort()).toEqual([ben, cat].sort());

    // Okta's replace of the whole member list.
    expect((await scim.patch(`/Groups/${groupId}`, [{ op: 'replace', path: 'members', value: [{ value: ann }] }])).status).toBe(204);
    expect(await membersOf(groupId)).toEqual([ann]);

    expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
    expect(await roster.dataSource.getRepository(GroupEntity).findOneBy({ id: groupId })).toBeNull();
    expect((await scim.get(`/Groups/${groupId}`)).status).toBe(404);
    // The users stay.
    expect((await membership(ann)).status).toBe(UserStatus.INVITED);
  });

  it("follows Entra ID: externalId lookups, capitalised ops, 'False' strings, dotted keys, filtered email paths, DELETE", async () => {
    const { scim } = await newScimClient();
    expect((await scim.get(`/Users?${scimFilter('userName eq "Test_User_dfeef4c5@contoso.test"')}`)).body!.totalResults).toBe(0);
    const created = await scim.post('/Users', {
      schemas: [USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7d1e7a5d3e0a',
      userName: 'Test_User_dfeef4c5@contoso.test',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb6e09@contoso.test' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Alex Wilber', familyName: 'Wilber', givenName: 'Alex' },
      roles: [],
      [ENTERPRISE]: { department: 'Sales', employeeNumber: '42' },
    });
    expect(created.status).toBe(201);
    const id = created.body!.id as string;
    // Roster invites the work email; the UPN stays the userName.
    expect(await membership(id)).toMatchObject({
      email: 'test_user_11bb6e09@contoso.test',
      name: 'Alex Wilber',
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7d1e7a5d3e0a',
    });
    expect(created.body!.schemas).toEqual([USER, ENTERPRISE]);
    expect(created.body![ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: '42' });

    const byExternalId = await scim.get(`/Users?${scimFilter('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7d1e7a5d3e0a"')}`);
    expect(byExternalId.body).toMatchObject({ totalResults: 1, Resources: [{ id }] });
    const byWorkEmail = await scim.get(`/Users?${scimFilter('emails[type eq "work"].value eq "test_user_11bb6e09@contoso.test"')}`);
    expect(byWorkEmail.body).toMatchObject({ totalResults: 1, Resources: [{ id }] });
    const both = await scim.get(
      `/Users?${scimFilter('userName eq "test_user_dfeef4c5@contoso.test" and externalId eq "0a21f0f2-8d2a-4f8e-bf98-7d1e7a5d3e0a"')}`,
    );
    expect(both.body!.totalResults).toBe(1);

    // Entra's update: capitalised op, a filtered email path and a dotted name path.
    const updated = await scim.patch(`/Users/${id}`, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'alex.wilber@contoso.test' },
      { op: 'Replace', path: 'name.familyName', value: 'Wilber-Smith' },
      { op: 'Add', value: { 'name.givenName': 'Alexandra', displayName: 'Alexandra Wilber-Smith' } },
    ]);
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      name: { givenName: 'Alexandra', familyName: 'Wilber-Smith' },
      emails: [{ type: 'work', value: 'alex.wilber@contoso.test' }],
    });
    expect(await membership(id)).toMatchObject({ email: 'alex.wilber@contoso.test', name: 'Alexandra Wilber-Smith' });

    // Entra disables with the string "False" and enables with "True".
    const disabled = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(disabled.body).toMatchObject({ active: false });
    expect((await membership(id)).status).toBe(UserStatus.SUSPENDED);
    const enabled = await scim.patch(`/Users/${id}`, [{ op: 'Replace', value: { active: 'True' } }]);
    expect(enabled.body).toMatchObject({ active: true });
    expect((await membership(id)).status).toBe(UserStatus.INVITED);

    // Entra's group: created empty, looked up without members, members added then removed by value.
    const group = await scim.post('/Groups', {
      schemas: [GROUP],
      externalId: 'entra-group-1',
      displayName: 'Sales EMEA',
      meta: { resourceType: 'Group' },
    });
    expect(group.status).toBe(201);
    const groupId = group.body!.id as string;
    const lookup = await scim.get(`/Groups?excludedAttributes=members&${scimFilter('displayName eq "sales emea"')}`);
    expect(lookup.body).toMatchObject({ totalResults: 1, Resources: [{ id: groupId, displayName: 'Sales EMEA' }] });
    expect(lookup.body!.Resources[0].members).toBeUndefined();
    expect((await scim.patch(`/Groups/${groupId}`, [{ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }])).status).toBe(204);
    expect(await membersOf(groupId)).toEqual([id]);
    expect((await scim.patch(`/Groups/${groupId}`, [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: id }] }])).status).toBe(
      204,
    );
    expect(await membersOf(groupId)).toEqual([]);

    // Entra deletes users it no longer provisions: Roster suspends and forgets the SCIM link.
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    expect((await scim.get(`/Users?${scimFilter('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7d1e7a5d3e0a"')}`)).body!.totalResults).toBe(0);
    expect(await membership(id)).toMatchObject({ status: UserStatus.SUSPENDED });
  });

  it('accepts a second user claiming an externalId another user holds, and finds both by it', async () => {
    const { scim } = await newScimClient();
    const user = (n: number) => ({
      schemas: [USER],
      externalId: 'shared-ext',
      userName: `twin${n}@okta.test`,
      emails: [{ value: `twin${n}@okta.test` }],
      active: true,
    });
    const first = await scim.post('/Users', user(1));
    const second = await scim.post('/Users', user(2));
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body!.externalId).toBe('shared-ext');
    const both = await scim.get(`/Users?${scimFilter('externalId eq "shared-ext"')}`);
    expect(both.body!.Resources.map((u: { id: string }) => u.id)).toEqual([first.body!.id, second.body!.id]);
    // The holder leaves; the other one is still found by its externalId.
    expect((await scim.delete(`/Users/${first.body!.id}`)).status).toBe(204);
    expect((await scim.get(`/Users?${scimFilter('externalId eq "shared-ext"')}`)).body).toMatchObject({
      totalResults: 1,
      Resources: [{ id: second.body!.id }],
    });
  });

  it('lists in a stable order with startIndex and count, with or without a filter', async () => {
    const { scim } = await newScimClient();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await scim.post('/Users', {
            schemas: [USER],
            userName: `page${i}@okta.test`,
            emails: [{ value: `page${i}@okta.test` }],
            active: true,
          })
        ).body!.id,
      );
    }
    const first = await scim.get('/Users?startIndex=1&count=2');
    expect(first.body).toMatchObject({ totalResults: 5, itemsPerPage: 2, startIndex: 1 });
    const second = await scim.get('/Users?startIndex=3&count=2');
    const third = await scim.get('/Users?startIndex=5&count=2');
    const seen = [...first.body!.Resources, ...second.body!.Resources, ...third.body!.Resources].map((u: { id: string }) => u.id);
    expect(seen).toEqual(ids);
    const onlyCount = await scim.get('/Users?count=0');
    expect(onlyCount.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    const projected = await scim.get('/Users?attributes=userName&count=1');
    expect(Object.keys(projected.body!.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('describes itself: ServiceProviderConfig (and the serviceConfiguration alias), ResourceTypes, Schemas', async () => {
    const { scim } = await newScimClient();
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false } });
    expect((await scim.get('/serviceConfiguration')).body).toEqual(config.body);
    expect((await scim.get('/ResourceTypes')).body!.Resources.map((r: { endpoint: string }) => r.endpoint)).toEqual(['/Users', '/Groups']);
    expect((await scim.get('/Schemas')).body!.Resources.map((s: { id: string }) => s.id)).toContain(USER);
  });
});
