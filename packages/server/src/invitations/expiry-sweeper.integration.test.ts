import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import type { AccountEvent } from '../core/events.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { InvitationExpirySweeper } from './expiry-sweeper.js';
import { InvitationEntity } from './invitation.entity.js';
import { eventually } from '../../test/eventually.js';

/** The expiry sweep as a background worker on the shared polling worker, not called by hand. */
describe.each(dialects)('the invitation expiry sweeper (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let personId: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      // The roster's own sweep is off: it would note the expiry first, and this test's sweeper would announce nothing.
      { runOutboxWorker: false, runImportRunner: false, runWebhookWorker: false, runSyncEngine: false, runExpirySweeper: false },
    );
    accountId = (await builders(roster.dataSource).anAccount({ name: 'Expiry MSP' })).id;
    personId = (await builders(roster.dataSource).aUser(accountId, { role: Role.ADMIN })).personId!;
  });
  afterAll(() => roster?.close());

  const invite = async (emails: string[]) => {
    const outcomes = await roster.services.invitations.invite(
      { accountId, role: Role.ADMIN, personId },
      { type: 'PERSON', id: personId },
      emails.map((email) => ({ input: email, email, name: null, invalidReason: null })),
      { role: Role.MEMBER, sendEmail: false },
    );
    return outcomes.map((o) => o.userId!);
  };

  it('notes each expired invitation once, by itself, and announces it', async () => {
    const [expired] = await invite(['late@expiry.test']);
    const [valid] = await invite(['early@expiry.test']);
    await roster.dataSource.getRepository(InvitationEntity).update({ membershipId: expired! }, { expiresAt: new Date(Date.now() - 1_000) });
    const published: AccountEvent[] = [];
    const sweeper = new InvitationExpirySweeper(
      roster.dataSource,
      { publish: (e) => void published.push(e), subscribe: () => () => {} },
      { info: () => {}, error: () => {} },
      20,
    );
    sweeper.start();
    try {
      const noted = await eventually(
        async () => (await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ membershipId: expired! })).expiryRecordedAt,
        'the sweeper noting the expired invitation',
      );
      expect(noted).toBeInstanceOf(Date);
      expect(published).toMatchObject([{ type: 'user.invitation_expired', accountId, userIds: [expired] }]);
      // Several passes later (each nudged, so they did run), nothing was noted twice and the valid one is untouched.
      for (let i = 0; i < 3; i++) {
        sweeper.nudge();
        await sweeper.drain();
      }
      expect(published).toHaveLength(1);
      expect(
        (await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ membershipId: valid! })).expiryRecordedAt,
      ).toBeNull();
    } finally {
      await sweeper.stop();
    }
  });
});
