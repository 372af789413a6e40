import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import type { AccountEvent } from '../core/events.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { invitedUserIds, pendingInvitationOf, recordDeliveryReport, recordDeliveryStatus } from './delivery-status.js';
import { DeliveryStatus, InvitationEntity } from './invitation.entity.js';

/** The one rule for which report on an invitation email may replace which, called as the mail feature calls it. */
describe.each(dialects)('invitation delivery status (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runImportRunner: false, runOutboxWorker: false, runWebhookWorker: false, runSyncEngine: false },
    );
    const account = await builders(roster.dataSource).anAccount({ name: 'Delivery MSP' });
    accountId = account.id;
    const admin = await builders(roster.dataSource).aUser(accountId, { email: 'admin@delivery.test', role: Role.ADMIN });
    const outcomes = await roster.services.invitations.invite(
      { accountId, role: Role.ADMIN, personId: admin.personId! },
      { type: 'PERSON', id: admin.personId },
      [1, 2, 3, 4, 5].map((n) => ({ input: `d${n}@delivery.test`, email: `d${n}@delivery.test`, name: null, invalidReason: null })),
      {
        role: Role.MEMBER,
        sendEmail: true,
      },
    );
    expect(outcomes.every((o) => o.userId)).toBe(true);
  });
  afterAll(() => roster?.close());

  const invitationOf = (email: string) => roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ email, accountId });
  const record = (email: string, status: DeliveryStatus, error: string | null = null, sentAt?: Date) =>
    invitationOf(email).then((i) =>
      roster.dataSource.transaction((manager) => recordDeliveryStatus(manager, [i.id], { status, error, sentAt })),
    );

  it('a send counts and shows SENT; a later delivery report shows DELIVERED', async () => {
    expect(await record('d1@delivery.test', DeliveryStatus.SENT, null, new Date())).toBe(1);
    expect(await invitationOf('d1@delivery.test')).toMatchObject({ deliveryStatus: DeliveryStatus.SENT, sendCount: 1 });
    expect(await record('d1@delivery.test', DeliveryStatus.DELIVERED)).toBe(1);
    expect((await invitationOf('d1@delivery.test')).deliveryStatus).toBe(DeliveryStatus.DELIVERED);
  });

  it('"sent" recorded after the provider already reported a bounce does not hide the bounce (the send still counts)', async () => {
    await record('d2@delivery.test', DeliveryStatus.BOUNCED, 'Mailbox full.');
    expect(await record('d2@delivery.test', DeliveryStatus.SENT, null, new Date())).toBe(0);
    expect(await invitationOf('d2@delivery.test')).toMatchObject({
      deliveryStatus: DeliveryStatus.BOUNCED,
      deliveryError: 'Mailbox full.',
      sendCount: 1,
    });
  });

  it('"delivered" never overwrites a complaint that came first', async () => {
    await record('d3@delivery.test', DeliveryStatus.COMPLAINED, 'Spam.');
    expect(await record('d3@delivery.test', DeliveryStatus.DELIVERED)).toBe(0);
    expect((await invitationOf('d3@delivery.test')).deliveryStatus).toBe(DeliveryStatus.COMPLAINED);
  });

  it('only a failed email is queued again (a retry)', async () => {
    expect(await record('d4@delivery.test', DeliveryStatus.QUEUED)).toBe(0);
    await record('d4@delivery.test', DeliveryStatus.FAILED, 'Refused.');
    expect(await record('d4@delivery.test', DeliveryStatus.QUEUED)).toBe(1);
    expect(await invitationOf('d4@delivery.test')).toMatchObject({ deliveryStatus: DeliveryStatus.QUEUED, deliveryError: null });
    const invitation = await invitationOf('d4@delivery.test');
    const pending = await roster.dataSource.transaction((manager) => pendingInvitationOf(manager, accountId, invitation.membershipId!));
    expect(pending).toMatchObject({ id: invitation.id, role: Role.MEMBER, deliveryStatus: DeliveryStatus.QUEUED });
  });

  it('a provider report is recorded with an audit entry when it is bad news, and announced for the invited user', async () => {
    const invitation = await invitationOf('d5@delivery.test');
    const published: AccountEvent[] = [];
    const events = { publish: (event: AccountEvent) => void published.push(event), subscribe: () => () => {} };
    expect(
      await recordDeliveryReport(roster.dataSource, events, invitation.id, {
        status: DeliveryStatus.BOUNCED,
        error: 'No such user.',
        providerEvent: 'email.bounced',
        emailId: 'em_1',
      }),
    ).toBe('applied');
    expect(await invitationOf('d5@delivery.test')).toMatchObject({
      deliveryStatus: DeliveryStatus.BOUNCED,
      deliveryError: 'No such user.',
    });
    expect(published).toMatchObject([{ type: 'email.delivery_changed', userIds: [invitation.membershipId] }]);
    const audit = await roster.dataSource
      .getRepository(AuditEventEntity)
      .findOneByOrFail({ accountId, action: 'email.bounced', targetId: invitation.membershipId! });
    expect(audit.targetEmail).toBe('d5@delivery.test');
    expect(await invitedUserIds(roster.dataSource, [invitation.id])).toEqual([invitation.membershipId]);
    expect(
      await recordDeliveryReport(roster.dataSource, events, 'no-such-invitation', {
        status: DeliveryStatus.DELIVERED,
        error: null,
        providerEvent: 'email.delivered',
        emailId: 'em_2',
      }),
    ).toBe('ignored');
  });
});
