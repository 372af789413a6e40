import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import type { AccountEvent } from '../core/events.js';
import { MembershipEntity } from './membership.entity.js';
import { Role, UserStatus } from './roles.js';

const CHANGE_ROLE = `mutation($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { results { userId ok code message } } }`;
const SUSPEND = `mutation($input: UserSelectionInput!) { suspendUsers(input: $input) { results { userId ok code message } } }`;
const RESTORE = `mutation($input: UserSelectionInput!) { restoreUsers(input: $input) { results { userId ok code message } } }`;

describe.each(dialects)('admin user actions (%s)', (dialect) => {
  let roster: TestRoster;
  let owner: TestClient;
  let admin: TestClient;
  let build: ReturnType<typeof builders>;
  let accountId: string;
  let ids: { owner: string; admin: string; outsider: string };
  const events: AccountEvent[] = [];

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    build = builders(roster.dataSource);
    const account = await build.anAccount();
    const other = await build.anAccount();
    accountId = account.id;
    const o = await build.aUser(account.id, { email: 'owner@roles.test', role: Role.OWNER, password: 'owner-password' });
    const a = await build.aUser(account.id, { email: 'admin@roles.test', role: Role.ADMIN, password: 'admin-password' });
    const outsider = await build.aUser(other.id, { email: 'outsider@other.test' });
    ids = { owner: o.id, admin: a.id, outsider: outsider.id };
    owner = new TestClient(roster.url);
    await owner.signIn('owner@roles.test', 'owner-password');
    admin = new TestClient(roster.url);
    await admin.signIn('admin@roles.test', 'admin-password');
    roster.services.events.subscribe((event) => events.push(event));
  });
  afterAll(() => roster?.close());

  const statusOf = async (id: string) => (await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id })).status;
  const roleOf = async (id: string) => (await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id })).role;

  it('changes roles with a result per user, audited and published', async () => {
    const member = await build.aUser(accountId, { role: Role.MEMBER });
    events.length = 0;
    const result = await admin.gql(CHANGE_ROLE, { input: { userIds: [member.id, ids.outsider], role: 'ADMIN' } });
    expect(result.data!.changeUserRole.results).toEqual([
      expect.objectContaining({ userId: member.id, ok: true }),
      expect.objectContaining({ userId: ids.outsider, ok: false, code: 'NOT_FOUND' }),
    ]);
    expect(await roleOf(member.id)).toBe(Role.ADMIN);
    expect(await roleOf(ids.outsider)).toBe(Role.MEMBER);
    const trail = await roster.dataSource
      .getRepository(AuditEventEntity)
      .findOneByOrFail({ targetId: member.id, action: 'user.role_changed' });
    expect(JSON.parse(trail.details!)).toEqual({ from: 'MEMBER', to: 'ADMIN' });
    expect(trail.ip).toMatch(/127\.0\.0\.1/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'user.changed', accountId, userIds: [member.id] }));
  });

  it('lets only an owner make or unmake owners', async () => {
    const member = await build.aUser(accountId, { role: Role.MEMBER });
    const byAdmin = await admin.gql(CHANGE_ROLE, { input: { userIds: [member.id], role: 'OWNER' } });
    expect(byAdmin.data!.changeUserRole.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED' });
    const demoteOwner = await admin.gql(CHANGE_ROLE, { input: { userIds: [ids.owner], role: 'MEMBER' } });
    expect(demoteOwner.data!.changeUserRole.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED' });
    expect(await roleOf(ids.owner)).toBe(Role.OWNER);
    const byOwner = await owner.gql(CHANGE_ROLE, { input: { userIds: [member.id], role: 'OWNER' } });
    expect(byOwner.data!.changeUserRole.results[0]).toMatchObject({ ok: true });
    // Two owners now: one may step down, but not both at once.
    const both = await owner.gql(CHANGE_ROLE, { input: { userIds: [ids.owner, member.id], role: 'ADMIN' } });
    expect(both.data!.changeUserRole.results.map((r: any) => r.code)).toEqual([null, 'LAST_OWNER']);
    expect(await roleOf(ids.owner)).toBe(Role.ADMIN);
    expect(await roleOf(member.id)).toBe(Role.OWNER);
    // Put things back for the other tests.
    await roster.dataSource.getRepository(MembershipEntity).update({ id: ids.owner }, { role: Role.OWNER });
  });

  it('never demotes the last owner', async () => {
    const solo = await build.anAccount();
    const onlyOwner = await build.aUser(solo.id, { email: 'solo@owner.test', role: Role.OWNER, password: 'solo-password' });
    const client = new TestClient(roster.url);
    await client.signIn('solo@owner.test', 'solo-password');
    const result = await client.gql(CHANGE_ROLE, { input: { userIds: [onlyOwner.id], role: 'ADMIN' } });
    expect(result.data!.changeUserRole.results[0]).toMatchObject({ ok: false, code: 'LAST_OWNER' });
    expect(await roleOf(onlyOwner.id)).toBe(Role.OWNER);
  });

  it('suspends and restores users, never oneself or an owner, and the suspended cannot sign in', async () => {
    const member = await build.aUser(accountId, { email: 'suspend.me@roles.test', password: 'member-password' });
    const invited = await build.aUser(accountId, { status: UserStatus.INVITED });
    events.length = 0;
    const suspended = await admin.gql(SUSPEND, { input: { userIds: [member.id, ids.admin, ids.owner, ids.outsider] } });
    expect(suspended.data!.suspendUsers.results.map((r: any) => [r.ok, r.code])).toEqual([
      [true, null],
      [false, 'CANNOT_SUSPEND_SELF'],
      [false, 'OWNER_NOT_SUSPENDABLE'],
      [false, 'NOT_FOUND'],
    ]);
    expect(await statusOf(member.id)).toBe(UserStatus.SUSPENDED);
    expect(await statusOf(ids.admin)).toBe(UserStatus.ACTIVE);
    expect(events).toContainEqual(expect.objectContaining({ type: 'user.suspended', userIds: [member.id] }));
    const again = await admin.gql(SUSPEND, { input: { userIds: [member.id] } });
    expect(again.data!.suspendUsers.results[0]).toMatchObject({ ok: false, code: 'ALREADY_SUSPENDED' });
    const signIn = await new TestClient(roster.url).signIn('suspend.me@roles.test', 'member-password');
    expect(signIn.data?.signIn ?? null).toBeNull();

    await admin.gql(SUSPEND, { input: { userIds: [invited.id] } });
    events.length = 0;
    const restored = await admin.gql(RESTORE, { input: { userIds: [member.id, invited.id, ids.admin] } });
    expect(restored.data!.restoreUsers.results.map((r: any) => [r.ok, r.code])).toEqual([
      [true, null],
      [true, null],
      [false, 'NOT_SUSPENDED'],
    ]);
    expect(await statusOf(member.id)).toBe(UserStatus.ACTIVE);
    expect(await statusOf(invited.id)).toBe(UserStatus.STAGED);
    const restoredEvent = events.find((event) => event.type === 'user.restored');
    expect([...restoredEvent!.userIds].sort()).toEqual([member.id, invited.id].sort());
    expect(await roster.dataSource.getRepository(AuditEventEntity).countBy({ targetId: member.id, action: 'user.suspended' })).toBe(1);
  });

  it('refuses empty selections and non-administrators', async () => {
    expect(errorCode(await admin.gql(SUSPEND, { input: { userIds: [] } }))).toBe('BAD_USER_INPUT');
    await build.aUser(accountId, { email: 'plain@roles.test', role: Role.MEMBER, password: 'plain-password' });
    const plain = new TestClient(roster.url);
    await plain.signIn('plain@roles.test', 'plain-password');
    expect(errorCode(await plain.gql(CHANGE_ROLE, { input: { userIds: [ids.admin], role: 'MEMBER' } }))).toBe('FORBIDDEN');
  });
});
