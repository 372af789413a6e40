import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type GraphQLResult, type TestRoster } from '../../test/harness.js';
import { InvitationEntity, InvitationState } from '../invitations/invitation.entity.js';
import { IntegrationEntity } from '../integrations/integration.entity.js';
import { MembershipEntity } from './membership.entity.js';
import { Role, UserStatus } from './roles.js';

const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { results { email verdict reason inviteLink user { id } } } }`;
const REINVITE = `mutation($input: ReinviteUsersInput!) { reinviteUsers(input: $input) { results { userId ok code message inviteLink } } }`;
const UNINVITE = `mutation($input: UninviteUsersInput!) { uninviteUsers(input: $input) { results { userId ok code message inviteLink } } }`;
const CHANGE_ROLE = `mutation($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { results { userId ok code message inviteLink } } }`;
const RESTORE = `mutation($input: UserSelectionInput!) { restoreUsers(input: $input) { results { userId ok code message inviteLink } } }`;
const MAILBOX = `{ devMailbox(page: { first: 100 }) { edges { node { to subject html text link } } } }`;
const PREVIEW = `query($token: String!) { invitationByToken(token: $token) { state email } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { role } } }`;
const PREVIEW_IMPORT = `mutation($input: PreviewImportInput!) { previewImport(input: $input) { job { id rows(page: { first: 10 }) { edges { node { email role verdict reason } } } } } }`;
const START_IMPORT = `mutation($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;
const CREATE_INTEGRATION = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id options { defaultRole } } scimToken } }`;
const UPDATE_INTEGRATION = `mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id name options { defaultRole } } } }`;
const ROTATE_SCIM = `mutation($input: IntegrationIdInput!) { rotateScimToken(input: $input) { scimToken } }`;

const ACCEPT_LINK = /\/invitations\/[A-Za-z0-9_-]{20,}/g;

/** Every accept link anywhere in an answer (fields, email bodies, messages). */
const linksIn = (result: GraphQLResult): string[] => JSON.stringify(result.data ?? {}).match(ACCEPT_LINK) ?? [];

async function eventually<T>(read: () => Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(dialects)('who may grant which role, on every path (%s)', (dialect) => {
  let roster: TestRoster;
  let build: ReturnType<typeof builders>;
  let owner: TestClient;
  let admin: TestClient;
  let accountId: string;
  let ids: { owner: string; admin: string };

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { outbox: { pollMs: 20 }, runSyncEngine: false });
    build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Grants MSP' });
    accountId = account.id;
    const o = await build.aUser(account.id, { email: 'owner@grants.test', role: Role.OWNER, password: 'owner-password' });
    const a = await build.aUser(account.id, { email: 'admin@grants.test', role: Role.ADMIN, password: 'admin-password' });
    ids = { owner: o.id, admin: a.id };
    owner = new TestClient(roster.url);
    await owner.signIn('owner@grants.test', 'owner-password');
    admin = new TestClient(roster.url);
    await admin.signIn('admin@grants.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  const membership = (id: string) => roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id });
  /** Past the re-invite cooldown, so that a refusal below is the role rule's and not the throttle's. */
  const ageInvitations = () =>
    roster.dataSource
      .getRepository(InvitationEntity)
      .update({ accountId, state: InvitationState.PENDING }, { createdAt: new Date(Date.now() - 10 * 60_000) });

  it("refuses an administrator every way to an owner's invitation link: re-invite, bulk re-invite, the dev mailbox, inviting again", async () => {
    const invited = await owner.gql(INVITE, { input: { addresses: 'next.owner@grants.test', role: 'OWNER', sendEmail: true } });
    const ownersLink: string = invited.data!.inviteUsers.results[0].inviteLink;
    const xId: string = invited.data!.inviteUsers.results[0].user.id;
    expect(ownersLink).toMatch(ACCEPT_LINK);
    const memberInvite = await admin.gql(INVITE, { input: { addresses: 'helper@grants.test', role: 'MEMBER', sendEmail: false } });
    const helperId: string = memberInvite.data!.inviteUsers.results[0].user.id;
    await ageInvitations();
    // The positive marker: the owner's invitation email went through the dev mailbox (the owner sees it).
    await eventually(async () =>
      (await owner.gql(MAILBOX)).data!.devMailbox.edges.find((e: any) => e.node.to === 'next.owner@grants.test' && e.node.link),
    );

    const seenByAdmin: string[] = [];
    const single = await admin.gql(REINVITE, { input: { userIds: [xId], sendEmail: false } });
    seenByAdmin.push(...linksIn(single));
    expect(single.data!.reinviteUsers.results).toEqual([
      expect.objectContaining({ userId: xId, ok: false, code: 'OWNER_REQUIRED', inviteLink: null }),
    ]);

    const bulk = await admin.gql(REINVITE, { input: { userIds: [helperId, xId], sendEmail: true } });
    seenByAdmin.push(...(JSON.stringify(bulk.data!.reinviteUsers.results[1]).match(ACCEPT_LINK) ?? []));
    expect(bulk.data!.reinviteUsers.results.map((r: any) => [r.userId, r.ok, r.code, Boolean(r.inviteLink)])).toEqual([
      [helperId, true, null, true],
      [xId, false, 'OWNER_REQUIRED', false],
    ]);

    const again = await admin.gql(INVITE, { input: { addresses: 'next.owner@grants.test', role: 'MEMBER', sendEmail: false } });
    seenByAdmin.push(...linksIn(again));
    expect(again.data!.inviteUsers.results[0]).toMatchObject({ verdict: 'ALREADY_INVITED', inviteLink: null });

    const mailbox = await admin.gql(MAILBOX);
    const toX = mailbox.data!.devMailbox.edges.map((e: any) => e.node).filter((n: any) => n.to === 'next.owner@grants.test');
    expect(toX.length).toBeGreaterThan(0);
    for (const email of toX) {
      expect(email.link).toBeNull();
      expect(`${email.html ?? ''} ${email.text ?? ''}`).not.toMatch(ACCEPT_LINK);
    }
    seenByAdmin.push(...toX.flatMap((n: any) => JSON.stringify(n).match(ACCEPT_LINK) ?? []));

    const uninvite = await admin.gql(UNINVITE, { input: { userIds: [xId] } });
    expect(uninvite.data!.uninviteUsers.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED' });
    const demote = await admin.gql(CHANGE_ROLE, { input: { userIds: [xId], role: 'MEMBER' } });
    expect(demote.data!.changeUserRole.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED' });

    // Whatever link the administrator got hold of, accepting it must not make anyone an owner.
    for (const link of new Set(seenByAdmin)) {
      await new TestClient(roster.url).gql(ACCEPT, {
        input: { token: link.split('/invitations/')[1], name: 'Mallory', password: 'mallory-password' },
      });
    }
    expect(seenByAdmin).toEqual([]);
    expect(await membership(xId)).toMatchObject({ role: Role.OWNER, status: UserStatus.INVITED });
    expect(await membership(ids.admin)).toMatchObject({ role: Role.ADMIN });
    expect(await membership(ids.owner)).toMatchObject({ role: Role.OWNER });
    // The refused re-invites left the owner's own link working.
    expect((await owner.gql(PREVIEW, { token: ownersLink.split('/invitations/')[1] })).data!.invitationByToken.state).toBe('VALID');
    // The owner may still re-send it.
    const byOwner = await owner.gql(REINVITE, { input: { userIds: [xId], sendEmail: false } });
    expect(byOwner.data!.reinviteUsers.results[0]).toMatchObject({ ok: true, inviteLink: expect.stringMatching(ACCEPT_LINK) });
  });

  it('refuses an administrator to invite a staged owner, or to restore a suspended owner', async () => {
    const staged = await build.aUser(accountId, { email: 'staged.owner@grants.test', role: Role.OWNER, status: UserStatus.STAGED });
    const suspended = await build.aUser(accountId, {
      email: 'suspended.owner@grants.test',
      role: Role.OWNER,
      status: UserStatus.SUSPENDED,
    });
    const invite = await admin.gql(REINVITE, { input: { userIds: [staged.id], sendEmail: false } });
    expect(invite.data!.reinviteUsers.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED', inviteLink: null });
    expect(await membership(staged.id)).toMatchObject({ status: UserStatus.STAGED });
    const restore = await admin.gql(RESTORE, { input: { userIds: [suspended.id] } });
    expect(restore.data!.restoreUsers.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED' });
    expect(await membership(suspended.id)).toMatchObject({ status: UserStatus.SUSPENDED });
    const byOwner = await owner.gql(RESTORE, { input: { userIds: [suspended.id] } });
    expect(byOwner.data!.restoreUsers.results[0]).toMatchObject({ ok: true });
  });

  it("marks an administrator's owner rows invalid in the preview, and refuses to run owner rows or an owner default for them", async () => {
    const preview = await admin.gql(PREVIEW_IMPORT, {
      input: {
        rows: [
          { email: 'boss@import.test', role: 'Owner' },
          { email: 'helper@import.test', role: 'Administrator' },
        ],
      },
    });
    const rows = preview.data!.previewImport.job.rows.edges.map((e: any) => e.node);
    expect(rows.map((r: any) => r.verdict)).toEqual(['INVALID', 'NEW']);
    expect(rows[0].reason).toBe('Line 1: only an owner can import owners.');
    const ownerDefault = await admin.gql(START_IMPORT, { input: { jobId: preview.data!.previewImport.job.id, defaultRole: 'OWNER' } });
    expect(ownerDefault.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });

    // An owner's preview holds owner rows; an administrator may not be the one who runs it.
    const ownersPreview = await owner.gql(PREVIEW_IMPORT, { input: { rows: [{ email: 'co.owner@import.test', role: 'Owner' }] } });
    const ownersJob = ownersPreview.data!.previewImport.job;
    expect(ownersJob.rows.edges[0].node).toMatchObject({ verdict: 'NEW', role: 'OWNER' });
    const startedByAdmin = await admin.gql(START_IMPORT, { input: { jobId: ownersJob.id, sendEmails: false } });
    expect(startedByAdmin.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });
    const startedByOwner = await owner.gql(START_IMPORT, { input: { jobId: ownersJob.id, sendEmails: false } });
    expect(startedByOwner.data!.startImport.job.state).not.toBe('PREVIEW');
  });

  it('refuses an administrator an integration that provisions owners: creating one, editing one, or taking its SCIM token', async () => {
    const created = await admin.gql(CREATE_INTEGRATION, { input: { name: 'IdP', type: 'SCIM', options: { defaultRole: 'OWNER' } } });
    expect(created.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'OWNER_REQUIRED',
      field: 'input.options.defaultRole',
    });
    expect(await roster.dataSource.getRepository(IntegrationEntity).countBy({ accountId, name: 'IdP' })).toBe(0);

    const own = await admin.gql(CREATE_INTEGRATION, { input: { name: 'Admin IdP', type: 'SCIM', options: { defaultRole: 'ADMIN' } } });
    const ownId: string = own.data!.createIntegration.integration.id;
    const raise = await admin.gql(UPDATE_INTEGRATION, { input: { id: ownId, options: { defaultRole: 'OWNER' } } });
    expect(raise.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });

    // An owner made this one bring in owners: an administrator may not repoint it nor take its token.
    const ownersIdp = await build.aScimIntegration(accountId, { defaultRole: Role.OWNER });
    const rename = await admin.gql(UPDATE_INTEGRATION, { input: { id: ownersIdp.id, name: 'Mine now' } });
    expect(rename.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });
    const rotate = await admin.gql(ROTATE_SCIM, { input: { id: ownersIdp.id } });
    expect(rotate.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });
    expect(rotate.data?.rotateScimToken ?? null).toBeNull();
    const stored = await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: ownersIdp.id });
    expect(stored.scimTokenHash).toBe(ownersIdp.scimTokenHash);
    expect((await owner.gql(ROTATE_SCIM, { input: { id: ownersIdp.id } })).data!.rotateScimToken.scimToken).toMatch(/^scim_/);
  });

  it('refuses an administrator to make someone an owner or change an owner', async () => {
    const member = await build.aUser(accountId, { role: Role.MEMBER });
    const promote = await admin.gql(CHANGE_ROLE, { input: { userIds: [member.id, ids.owner], role: 'OWNER' } });
    expect(promote.data!.changeUserRole.results.map((r: any) => r.code)).toEqual(['OWNER_REQUIRED', null]);
    const demote = await admin.gql(CHANGE_ROLE, { input: { userIds: [ids.owner], role: 'ADMIN' } });
    expect(demote.data!.changeUserRole.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED' });
    expect(await membership(member.id)).toMatchObject({ role: Role.MEMBER });
    expect(await membership(ids.owner)).toMatchObject({ role: Role.OWNER });
  });
});
