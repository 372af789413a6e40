import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { mariadbReady } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { FakeResend } from '../../test/fakes/resend.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { DeliveryStatus, InvitationEntity } from '../invitations/invitation.entity.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';
import type { OutboxWorkerOptions } from './outbox-worker.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { invitedCount } }`;
const FROM = 'Roster <invites@roster.test>';
const QUIET = { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, runWebhookWorker: false };

/**
 * Two instances on one database and one Redis, sending into a fake Resend that allows the team 2 requests per
 * second (Resend's default) and answers 429 beyond it. The instances share one rate limiter in Redis.
 *
 * MariaDB only: more than one instance needs MariaDB or MySQL (docs/OPERATIONS.md, DATABASE_URL). Two instances on
 * one SQLite file in one test process block each other: a statement waiting for the file's write lock blocks the
 * event loop the lock holder needs to commit, until the busy timeout. A single instance's outbox (timeouts, retries,
 * idempotency keys, leases) runs on both dialects in outbox.integration.test.ts.
 */
describe.runIf(mariadbReady)('two instances need MariaDB', () =>
  describe.each(['mysql' as const])('email delivery at Resend’s rate, two instances sharing the limit (%s)', (dialect) => {
    let resend: FakeResend | undefined;
    let one: TestRoster | undefined;
    let two: TestRoster | undefined;

    afterEach(async () => {
      await one?.services.outbox.stop();
      await two?.services.outbox.stop();
      await two?.close();
      await one?.close();
      await resend?.stop();
      one = two = resend = undefined;
    });

    /** Starts the fake (a new team each time, so Redis holds no schedule of an earlier test) and both instances. */
    const start = async (outbox: OutboxWorkerOptions = {}) => {
      resend = await new FakeResend(`re_${randomBytes(12).toString('hex')}`, { requestsPerSecond: 2 }).start();
      const config = { resendApiKey: resend.apiKey, resendBaseUrl: resend.url, mailFrom: FROM, redisUrl: REDIS_URL };
      one = await startTestRoster(dialect, config, { ...QUIET, outbox: { workerId: 'one', ...outbox } });
      two = await startTestRoster(dialect, config, { ...QUIET, outbox: { workerId: 'two', ...outbox } }, one.database);
      const build = builders(one.dataSource);
      const account = await build.anAccount({ name: 'Rate MSP' });
      await build.aUser(account.id, { email: 'admin@rate.test', role: Role.OWNER, password: 'rate-pass', name: 'Rita Admin' });
      const admin = new TestClient(one.url);
      await admin.signIn('admin@rate.test', 'rate-pass');
      return { resend, one, two, admin };
    };

    const invite = async (admin: TestClient, count: number, prefix: string) => {
      const recipients = Array.from({ length: count }, (_, i) => `${prefix}${i}@clients.test`);
      const result = await admin.gql(INVITE, { input: { addresses: recipients.join('\n') } });
      expect(result.data!.inviteUsers.invitedCount).toBe(count);
      return recipients;
    };

    const outboxRows = () => one!.dataSource.getRepository(OutboxEmailEntity).find();

    const expectEachDeliveredOnce = (recipients: string[]) => {
      const counts = resend!.countsByRecipient();
      expect(recipients.filter((to) => counts.get(to) !== 1)).toEqual([]);
      expect(resend!.delivered).toHaveLength(recipients.length);
    };

    it('two instances draining 600 invitations at once deliver each exactly once, both sending, within the team’s 2 requests/s', async () => {
      const { admin } = await start();
      const recipients = await invite(admin, 600, 'pair');
      const [byOne, byTwo] = await Promise.all([one!.services.outbox.drain(), two!.services.outbox.drain()]);
      expect(byOne + byTwo).toBe(600);
      expect(byOne).toBeGreaterThan(0);
      expect(byTwo).toBeGreaterThan(0);
      expectEachDeliveredOnce(recipients);
      expect((await outboxRows()).every((row) => row.state === OutboxState.SENT)).toBe(true);
      const accepted = resend!.requests.filter((r) => r.status === 200);
      expect(accepted.map((r) => r.count)).toEqual([100, 100, 100, 100, 100, 100]);
      // Each instance pacing itself at 2/s would make 4 requests per second together, and the fake would refuse
      // about half of them. Shared, the slots are 500 ms apart; a 429 needs a request held up by half a second
      // more than the next one (a very busy machine), so at most one is tolerated.
      expect(resend!.rateLimited).toBeLessThanOrEqual(1);
      expect(accepted.at(-1)!.at - accepted[0]!.at).toBeGreaterThanOrEqual(2000);
    }, 120_000);

    it("a 429 with retry-after answered to one instance holds back the other instance's calls too", async () => {
      const { admin } = await start({ batchSize: 2, lanes: 1 });
      const recipients = await invite(admin, 4, 'paced');
      resend!.failNext({ status: 429, name: 'rate_limit_exceeded', message: 'Too many requests', headers: { 'retry-after': '2' } });
      expect(await one!.services.outbox.runOnce()).toBe(2);
      const refused = resend!.requests.at(-1)!;
      expect(refused.status).toBe(429);
      // Instance two has a batch of its own and a free slot by its own count, but the team is paused.
      expect(await two!.services.outbox.runOnce()).toBe(2);
      const next = resend!.requests.at(-1)!;
      expect(next.status).toBe(200);
      expect(next.at - refused.at).toBeGreaterThanOrEqual(2000);
      // The refused batch went back unchanged: same key, no attempt counted, due when Resend said.
      const held = (await outboxRows()).filter((row) => row.state === OutboxState.PENDING);
      expect(held).toHaveLength(2);
      expect(held.every((row) => row.attempts === 0 && row.batchKey === refused.idempotencyKey)).toBe(true);
      await eventually(async () => (await one!.services.outbox.drain()) === 2 || null, 'the refused batch being sent', 15_000);
      expectEachDeliveredOnce(recipients);
      expect(resend!.requests.filter((r) => r.idempotencyKey === refused.idempotencyKey).map((r) => r.status)).toEqual([429, 200]);
    }, 120_000);

    it('a batch whose call timed out is sent again under the same Idempotency-Key, and delivered once', async () => {
      const { admin } = await start({ sendTimeoutMs: 2_000, pollMs: 50, baseBackoffMs: 50, maxBackoffMs: 100 });
      const recipients = await invite(admin, 200, 'timeout');
      resend!.hangNext();
      one!.services.outbox.start();
      two!.services.outbox.start();
      await eventually(async () => (await outboxRows()).every((row) => row.state === OutboxState.SENT), 'every email sent', 60_000);
      expect(resend!.hungCount).toBe(1);
      // The hung call is never answered, so its batch was marked sent by a repeat under its key (answered from the
      // first call: nothing was sent again). Each batch's key got exactly one answer that settled it.
      const deliveredKeys = [...new Set(resend!.delivered.map((e) => e.idempotencyKey))].sort();
      expect(deliveredKeys).toHaveLength(2);
      expect(
        resend!.requests
          .filter((r) => r.status === 200)
          .map((r) => r.idempotencyKey)
          .sort(),
      ).toEqual(deliveredKeys);
      expectEachDeliveredOnce(recipients);
    }, 120_000);

    it('an email Resend refuses inside a batch fails alone; the rest of the batch is sent', async () => {
      const { admin } = await start();
      const recipients = await invite(admin, 4, 'partial');
      const rows = await outboxRows();
      const broken = rows.find((row) => row.toAddress === recipients[2])!;
      await one!.dataSource.getRepository(OutboxEmailEntity).update({ id: broken.id }, { toAddress: 'partial2@' });
      expect(await one!.services.outbox.runOnce()).toBe(4);
      expect(resend!.requests).toHaveLength(1);
      expect(resend!.delivered.map((e) => e.to[0]).sort()).toEqual([recipients[0], recipients[1], recipients[3]].sort());
      const after = await outboxRows();
      expect(after.find((row) => row.id === broken.id)).toMatchObject({ state: OutboxState.FAILED, attempts: 1 });
      expect(after.find((row) => row.id === broken.id)!.lastError).toMatch(/validation_error: Invalid `to` field/);
      expect(after.filter((row) => row.id !== broken.id).every((row) => row.state === OutboxState.SENT && row.providerMessageId)).toBe(
        true,
      );
      const invitations = await one!.dataSource.getRepository(InvitationEntity).find();
      const statusOf = (id: string | null) => invitations.find((i) => i.id === id)!.deliveryStatus;
      expect(statusOf(broken.invitationId)).toBe(DeliveryStatus.FAILED);
      expect(rows.filter((row) => row.id !== broken.id).every((row) => statusOf(row.invitationId) === DeliveryStatus.SENT)).toBe(true);
    }, 120_000);
  }),
);
