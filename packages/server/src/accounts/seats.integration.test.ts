import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ScimClient } from '../../test/scim-client.js';
import { ProvisionAction, ProvisioningError } from '../integrations/provisioning.service.js';
import { InvitationEntity } from '../invitations/invitation.entity.js';
import { AccountEntity } from './account.entity.js';
import { MembershipEntity } from './membership.entity.js';
import { Role, UserStatus } from './roles.js';

const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { results { email verdict reason user { id } } } }`;
const REINVITE = `mutation($input: ReinviteUsersInput!) { reinviteUsers(input: $input) { results { userId ok code message } } }`;
const UNINVITE = `mutation($input: UninviteUsersInput!) { uninviteUsers(input: $input) { results { userId ok code } } }`;
const RESTORE = `mutation($input: UserSelectionInput!) { restoreUsers(input: $input) { results { userId ok code message } } }`;
const SETTINGS = `mutation($input: UpdateAccountSettingsInput!) { updateAccountSettings(input: $input) { account { seats { used limit available } } } }`;
const SEATS = `{ me { currentAccount { seats { used limit available } } } }`;
const START = `mutation($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;
const JOB = `query($id: ID!) { importJob(id: $id) { state outcomes { invited seatLimitReached } rows(page: { first: 50 }) { edges { node { email outcome outcomeReason } } } } }`;

async function waitFor<T>(read: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(dialects)('seat limits (%s)', (dialect) => {
  let roster: TestRoster;
  let build: ReturnType<typeof builders>;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, importRunner: { pollMs: 20, batchSize: 3 } });
    build = builders(roster.dataSource);
  });
  afterAll(() => roster?.close());

  /** An account with its owner signed in, an admin, one suspended and one staged user (neither takes a seat), and a limit. */
  async function anAccount(limit: number | null) {
    const account = await build.anAccount();
    const tag = account.id.slice(0, 8);
    await build.aUser(account.id, { email: `owner@${tag}.test`, role: Role.OWNER, password: 'owner-password' });
    await build.aUser(account.id, { email: `admin@${tag}.test`, role: Role.ADMIN, password: 'admin-password' });
    const suspended = await build.aUser(account.id, { status: UserStatus.SUSPENDED });
    const staged = await build.aUser(account.id, { status: UserStatus.STAGED });
    await roster.dataSource.getRepository(AccountEntity).update({ id: account.id }, { seatLimit: limit });
    const owner = new TestClient(roster.url);
    await owner.signIn(`owner@${tag}.test`, 'owner-password');
    const admin = new TestClient(roster.url);
    await admin.signIn(`admin@${tag}.test`, 'admin-password');
    return { account, tag, owner, admin, suspended, staged };
  }
  const seatsOf = async (client: TestClient) => (await client.gql(SEATS)).data!.me.currentAccount.seats;
  const seated = (accountId: string) =>
    roster.dataSource.getRepository(MembershipEntity).countBy({ accountId, status: In([UserStatus.ACTIVE, UserStatus.INVITED]) });

  it('is set by the owner only, validated, and shown as used / limit / available', async () => {
    const { owner, admin } = await anAccount(null);
    expect(await seatsOf(owner)).toEqual({ used: 2, limit: null, available: null });
    expect(errorCode(await admin.gql(SETTINGS, { input: { seatLimit: 5 } }))).toBe('FORBIDDEN');
    for (const bad of [0, -3]) {
      const refused = await owner.gql(SETTINGS, { input: { seatLimit: bad } });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0]!.extensions!.field).toBe('input.seatLimit');
    }
    const set = await owner.gql(SETTINGS, { input: { seatLimit: 5 } });
    expect(set.data!.updateAccountSettings.account.seats).toEqual({ used: 2, limit: 5, available: 3 });
    // Below what is used: allowed, nobody is removed, nothing is left.
    const below = await owner.gql(SETTINGS, { input: { seatLimit: 1 } });
    expect(below.data!.updateAccountSettings.account.seats).toEqual({ used: 2, limit: 1, available: 0 });
    expect(await seatsOf(admin)).toEqual({ used: 2, limit: 1, available: 0 });
    expect((await owner.gql(SETTINGS, { input: { seatLimit: null } })).data!.updateAccountSettings.account.seats.limit).toBeNull();
  });

  it('invites up to the limit and refuses the rest by name; un-inviting frees a seat, re-inviting a pending user takes none', async () => {
    const { account, tag, admin, suspended, staged } = await anAccount(4);
    const addresses = ['a', 'b', 'c', 'd'].map((n) => `${n}@${tag}.new`).join('\n');
    const results = (await admin.gql(INVITE, { input: { addresses, role: 'MEMBER', sendEmail: false } })).data!.inviteUsers.results;
    expect(results.map((r: any) => r.verdict)).toEqual(['INVITED', 'INVITED', 'SEAT_LIMIT_REACHED', 'SEAT_LIMIT_REACHED']);
    expect(results[2].reason).toMatch(/seat limit is reached: no seats are left of 4/);
    expect(await seated(account.id)).toBe(4);

    // A pending user's new link takes no new seat (the cool-down is moved out of the way).
    const pendingId = results[0].user.id;
    await roster.dataSource
      .getRepository(InvitationEntity)
      .update({ membershipId: pendingId }, { createdAt: new Date(Date.now() - 120_000) });
    expect((await admin.gql(REINVITE, { input: { userIds: [pendingId], sendEmail: false } })).data!.reinviteUsers.results[0].ok).toBe(true);
    // A staged user would take one, and a suspended one restored too: refused, left as they are.
    const stagedInvite = (await admin.gql(REINVITE, { input: { userIds: [staged.id], sendEmail: false } })).data!.reinviteUsers.results[0];
    expect(stagedInvite).toMatchObject({ ok: false, code: 'SEAT_LIMIT_REACHED' });
    const restore = (await admin.gql(RESTORE, { input: { userIds: [suspended.id] } })).data!.restoreUsers.results[0];
    expect(restore).toMatchObject({ ok: false, code: 'SEAT_LIMIT_REACHED' });
    expect(restore.message).toMatch(/stays suspended/);
    const statuses = await roster.dataSource.getRepository(MembershipEntity).findBy({ id: In([staged.id, suspended.id]) });
    expect(statuses.map((m) => m.status).sort()).toEqual([UserStatus.STAGED, UserStatus.SUSPENDED].sort());

    // Un-inviting frees a seat, which the next invitation takes.
    expect((await admin.gql(UNINVITE, { input: { userIds: [pendingId] } })).data!.uninviteUsers.results[0].ok).toBe(true);
    expect(await seatsOf(admin)).toMatchObject({ used: 3, available: 1 });
    const again = (await admin.gql(INVITE, { input: { addresses: `e@${tag}.new`, role: 'MEMBER', sendEmail: false } })).data!.inviteUsers;
    expect(again.results[0].verdict).toBe('INVITED');
    expect(await seated(account.id)).toBe(4);
  });

  it('never overshoots when admins invite at the same moment', async () => {
    const { account, tag, owner, admin } = await anAccount(7);
    const batch = (who: string) => ({
      input: { addresses: [1, 2, 3, 4].map((n) => `${who}${n}@${tag}.race`).join('\n'), role: 'MEMBER', sendEmail: false },
    });
    const answers = await Promise.all([admin.gql(INVITE, batch('a')), owner.gql(INVITE, batch('o')), admin.gql(INVITE, batch('b'))]);
    const verdicts = answers.flatMap((a) => a.data!.inviteUsers.results.map((r: any) => r.verdict));
    expect(verdicts.filter((v: string) => v === 'INVITED')).toHaveLength(5);
    expect(verdicts.filter((v: string) => v === 'SEAT_LIMIT_REACHED')).toHaveLength(7);
    expect(await seated(account.id)).toBe(7);
  });

  it(
    'imports up to the limit: the rows past it carry SEAT_LIMIT_REACHED, also when two imports run at once',
    { timeout: 90_000 },
    async () => {
      const { account, tag, owner, admin } = await anAccount(7);
      const file = (who: string) => `email\n${[1, 2, 3, 4].map((n) => `${who}${n}@${tag}.csv`).join('\n')}\n`;
      const startImport = async (client: TestClient, who: string) => {
        const response = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
          method: 'POST',
          headers: { 'content-type': 'text/csv', cookie: client.cookie!, 'x-roster-upload': '1' },
          body: file(who),
        });
        const jobId = ((await response.json()) as any).job.id as string;
        const input = { jobId, defaultRole: 'MEMBER', sendEmails: false, unknownCompanies: 'SKIP', unknownGroups: 'SKIP' };
        expect((await client.gql(START, { input })).data!.startImport.job.state).toBe('RUNNING');
        return jobId;
      };
      const jobs = await Promise.all([startImport(admin, 'a'), startImport(owner, 'o')]);
      const finished = await Promise.all(
        jobs.map((id) =>
          waitFor(async () => {
            const job = (await admin.gql(JOB, { id })).data!.importJob;
            return job.state === 'FINISHED' && job;
          }),
        ),
      );
      const invited = finished.reduce((n, job) => n + job.outcomes.invited, 0);
      const refused = finished.reduce((n, job) => n + job.outcomes.seatLimitReached, 0);
      expect([invited, refused]).toEqual([5, 3]);
      const refusedRows = finished
        .flatMap((job) => job.rows.edges.map((e: any) => e.node))
        .filter((r: any) => r.outcome === 'SEAT_LIMIT_REACHED');
      expect(refusedRows).toHaveLength(3);
      expect(refusedRows[0].outcomeReason).toMatch(/seat limit is reached/);
      expect(await seated(account.id)).toBe(7);
    },
  );

  it('refuses a SCIM create past the limit with 403 and a detail naming the seat limit; staging takes no seat', async () => {
    const { account } = await anAccount(3);
    const integration = await build.aScimIntegration(account.id);
    const scim = new ScimClient(roster.url, integration.token);
    const user = (name: string) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `${name}@scim.seats`,
      active: true,
    });
    expect((await scim.post('/Users', user('first'))).status).toBe(201);
    const refused = await scim.post('/Users', user('second'));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: '403', schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] });
    expect(refused.body!.detail).toMatch(/Seat limit reached .*no seats are left of 3/);
    expect(await roster.dataSource.getRepository(MembershipEntity).existsBy({ accountId: account.id, email: 'second@scim.seats' })).toBe(
      false,
    );

    const staging = await build.aScimIntegration(account.id, { autoInvite: false });
    expect((await new ScimClient(roster.url, staging.token).post('/Users', user('staged'))).status).toBe(201);
    expect(await seated(account.id)).toBe(3);
  });

  it("stops a sync's page at the limit: the users past it fail with SEAT_LIMIT_REACHED, the others go in", async () => {
    const { account } = await anAccount(4);
    const integration = await build.aScimIntegration(account.id);
    const upstreams = [1, 2, 3, 4].map((n) => ({ externalId: `ext-${n}`, email: `u${n}@sync.seats`, name: null, active: n !== 2 }));
    const provisioning = roster.services.provisioning.users;
    const results = await provisioning.applyPage(integration, upstreams, await provisioning.readPage(integration, upstreams));
    // Two seats were left: u1 and u3 take them (u2 is disabled upstream: created suspended, no seat), u4 is refused.
    expect(results.map((r) => (r instanceof ProvisioningError ? r.code : r.action))).toEqual([
      ProvisionAction.INVITED,
      ProvisionAction.INVITED,
      ProvisionAction.INVITED,
      'SEAT_LIMIT_REACHED',
    ]);
    expect((results[3] as ProvisioningError).message).toMatch(/no seats are left of 4/);
    expect(await seated(account.id)).toBe(4);
    const u2 = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ accountId: account.id, email: 'u2@sync.seats' });
    expect(u2.status).toBe(UserStatus.SUSPENDED);
  });
});
