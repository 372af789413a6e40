import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { OutboxEmailEntity } from '../mail/outbox-email.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { FakeClock } from '../../test/fakes/clock.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { DeliveryStatus, InvitationEntity, InvitationState, RevokeReason } from './invitation.entity.js';

const DAY = 86_400_000;
const SETTINGS = `mutation($input: UpdateAccountSettingsInput!) {
  updateAccountSettings(input: $input) { account { invitationLifetimeDays invitationReminderDays } }
}`;
const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { results { email user { id } } } }`;

describe.each(dialects)('automatic invitation reminders (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let accountId: string;
  const clock = new FakeClock();

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      // The worker's own schedule never comes round in a test: each pass is asked for (drain) at a moved clock.
      {
        outbox: { pollMs: 20 },
        invitationReminders: { now: clock.now, intervalMs: 3_600_000 },
        runImportRunner: false,
        runSyncEngine: false,
      },
    );
    const build = builders(roster.dataSource);
    accountId = (await build.anAccount({ name: 'Reminder MSP' })).id;
    await build.aUser(accountId, { email: 'ada@reminder.test', name: 'Ada Admin', role: Role.ADMIN, password: 'admin-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('ada@reminder.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  const invitations = (membershipId: string) =>
    roster.dataSource.getRepository(InvitationEntity).find({ where: { membershipId }, order: { createdAt: 'ASC' } });
  const invite = async (email: string, sendEmail: boolean) => {
    const result = await admin.gql(INVITE, { input: { addresses: email, role: 'MEMBER', sendEmail } });
    return result.data!.inviteUsers.results[0].user.id as string;
  };
  const emailed = (membershipId: string) =>
    eventually(async () => {
      const pending = (await invitations(membershipId)).find((i) => i.state === InvitationState.PENDING);
      return pending?.deliveryStatus === DeliveryStatus.SENT && pending;
    }, 'the invitation email being sent');

  it('is off by default and takes 1 to the lifetime minus 1 days; the lifetime cannot drop under it', async () => {
    const before = await admin.gql('{ me { currentAccount { invitationReminderDays } } }');
    expect(before.data!.me.currentAccount.invitationReminderDays).toBeNull();
    for (const days of [0, 7]) {
      const refused = await admin.gql(SETTINGS, { input: { invitationReminderDays: days } });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0]!.extensions).toMatchObject({ field: 'input.invitationReminderDays' });
      expect(refused.errors![0]!.message).toContain('1 to 6 days');
    }
    const set = await admin.gql(SETTINGS, { input: { invitationReminderDays: 2 } });
    expect(set.data!.updateAccountSettings.account).toEqual({ invitationLifetimeDays: 7, invitationReminderDays: 2 });
    const shorter = await admin.gql(SETTINGS, { input: { invitationLifetimeDays: 2 } });
    expect(shorter.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.invitationLifetimeDays' });
    const off = await admin.gql(SETTINGS, { input: { invitationReminderDays: null } });
    expect(off.data!.updateAccountSettings.account.invitationReminderDays).toBeNull();
    // Leaving it out keeps it.
    await admin.gql(SETTINGS, { input: { invitationReminderDays: 2 } });
    const kept = await admin.gql(SETTINGS, { input: { name: 'Reminder MSP' } });
    expect(kept.data!.updateAccountSettings.account.invitationReminderDays).toBe(2);
  });

  it('re-sends an emailed invitation once, N days before it expires, with the same expiry, audited; never one not emailed', async () => {
    await admin.gql(SETTINGS, { input: { invitationReminderDays: 2 } });
    const emailedUser = await invite('Rita Reminded <rita@reminder.test>', true);
    const notEmailedUser = await invite('nora@reminder.test', false);
    const original = await emailed(emailedUser);
    const [notEmailed] = await invitations(notEmailedUser);
    expect(notEmailed!.deliveryStatus).toBe(DeliveryStatus.NOT_SENT);
    const remindAt = original.expiresAt.getTime() - 2 * DAY;
    const reminders = roster.services.invitationReminders;

    clock.advanceTo(new Date(remindAt - 60_000));
    expect(await reminders.drain()).toBe(0);

    clock.advanceTo(new Date(remindAt + 60_000));
    // Two instances pass at once: the conditional revoke lets only one send.
    const other = roster.services.invitations.reminderSweeper({ info: () => {}, error: () => {} }, { now: clock.now });
    const [a, b] = await Promise.all([reminders.remindDue(), other.remindDue()]);
    expect(a + b).toBe(1);

    const chain = await invitations(emailedUser);
    expect(chain).toHaveLength(2);
    expect(chain[0]).toMatchObject({ id: original.id, state: InvitationState.REVOKED, revokeReason: RevokeReason.REISSUED });
    expect(chain[1]!.state).toBe(InvitationState.PENDING);
    expect(chain[1]!.expiresAt.getTime()).toBe(original.expiresAt.getTime());
    expect(chain[1]!.reminderSentAt).toBeInstanceOf(Date);
    const audit = await roster.dataSource
      .getRepository(AuditEventEntity)
      .findBy({ accountId, action: 'user.reinvited', targetId: emailedUser });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'SYSTEM', actorId: null, targetEmail: 'rita@reminder.test' });
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ reminder: true });
    const mails = await roster.dataSource
      .getRepository(OutboxEmailEntity)
      .find({ where: { toAddress: 'rita@reminder.test' }, order: { createdAt: 'ASC' } });
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toMatch(/^Reminder: Ada Admin invited you to join Reminder MSP/);
    expect(mails[1]!.invitationId).toBe(chain[1]!.id);

    // The reminder's own email went out (so it would qualify but for its mark), and a day later nothing more is sent.
    await emailed(emailedUser);
    clock.advance(DAY);
    expect(await reminders.drain()).toBe(0);
    expect(await invitations(emailedUser)).toHaveLength(2);
    const untouched = await invitations(notEmailedUser);
    expect(untouched).toEqual([expect.objectContaining({ id: notEmailed!.id, state: InvitationState.PENDING, reminderSentAt: null })]);
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ toAddress: 'nora@reminder.test' })).toBe(0);
  });
});
