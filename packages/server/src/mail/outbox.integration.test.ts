import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { FakeResend } from '../../test/fakes/resend.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { DeliveryStatus, InvitationEntity } from '../invitations/invitation.entity.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';
import { OutboxWorker } from './outbox-worker.js';
import { ResendTransport, type EmailTransport } from './transport.js';

const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { invitedCount results { verdict email } } }`;
const silent = { info: () => {}, error: () => {} };

describe.each(dialects)('the email outbox through Resend (%s)', (dialect) => {
  let resend: FakeResend;
  let roster: TestRoster;
  let admin: TestClient;

  beforeEach(async () => {
    resend = await new FakeResend().start();
    roster = await startTestRoster(
      dialect,
      { resendApiKey: resend.apiKey, resendBaseUrl: resend.url, mailFrom: 'Roster <invites@roster.test>' },
      { runOutboxWorker: false, outbox: { baseBackoffMs: 1, maxBackoffMs: 5, leaseMs: 400, maxAttempts: 4 } },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Outbox MSP' });
    const email = `admin-${Math.random().toString(36).slice(2)}@outbox.test`;
    await build.aUser(account.id, { email, role: Role.ADMIN, password: 'admin-pass', name: 'Ola Admin' });
    admin = new TestClient(roster.url);
    await admin.signIn(email, 'admin-pass');
  });
  afterEach(async () => {
    await roster?.close();
    await resend?.stop();
  });

  const invite = async (count: number, prefix: string) => {
    const addresses = Array.from({ length: count }, (_, i) => `${prefix}${i}@clients.test`).join('\n');
    const result = await admin.gql(INVITE, { input: { addresses } });
    expect(result.data!.inviteUsers.invitedCount).toBe(count);
    return Array.from({ length: count }, (_, i) => `${prefix}${i}@clients.test`);
  };

  const expectEachDeliveredOnce = (recipients: string[]) => {
    const counts = resend.countsByRecipient();
    for (const to of recipients) expect(counts.get(to), to).toBe(1);
  };

  it('delivers 150 invitations exactly once, through the batch endpoint, each call with an idempotency key', async () => {
    const recipients = await invite(150, 'batch');
    expect(await roster.services.outbox.drain()).toBe(150);
    expectEachDeliveredOnce(recipients);
    expect(resend.requests.filter((r) => r.path === '/emails/batch').map((r) => r.count)).toEqual([100, 50]);
    expect(resend.requests.every((r) => r.idempotencyKey?.startsWith('roster-'))).toBe(true);
    const email = resend.delivered[0]!;
    expect(email.from).toBe('Roster <invites@roster.test>');
    expect(email.subject).toMatch(/Ola Admin invited you to join Outbox MSP/);
    expect(email.html).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}/);
    expect(email.text).toMatch(/This link works until/);
    const rows = await roster.dataSource.getRepository(OutboxEmailEntity).find();
    expect(rows.every((r) => r.state === OutboxState.SENT && r.html === null && r.actionUrl === null)).toBe(true);
    const invitations = await roster.dataSource.getRepository(InvitationEntity).find();
    expect(invitations.every((i) => i.deliveryStatus === DeliveryStatus.SENT && i.sendCount === 1 && i.lastSentAt !== null)).toBe(true);
  });

  it('retries 500s and network errors with backoff and still sends once', async () => {
    const recipients = await invite(3, 'flaky');
    resend.failNext({ status: 500, name: 'internal_server_error', message: 'boom' }, { status: 503, name: 'internal_server_error', message: 'again' });
    await roster.services.outbox.runOnce();
    // The backoff here is 1–5 ms: wait it out so the second pass finds the batch due.
    await new Promise((r) => setTimeout(r, 20));
    await roster.services.outbox.runOnce();
    const retrying = await roster.dataSource.getRepository(OutboxEmailEntity).find();
    expect(retrying.every((r) => r.state === OutboxState.PENDING && r.attempts === 2 && /internal_server_error/.test(r.lastError ?? ''))).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    await roster.services.outbox.drain();
    expectEachDeliveredOnce(recipients);
  });

  it('sends nothing twice when Resend accepted a batch but the answer was lost', async () => {
    const recipients = await invite(5, 'lost');
    resend.failNext({ status: 500, name: 'internal_server_error', message: 'gateway timeout', afterAccepting: true });
    await roster.services.outbox.runOnce();
    await new Promise((r) => setTimeout(r, 20));
    await roster.services.outbox.drain();
    expectEachDeliveredOnce(recipients);
    const keys = new Set(resend.requests.map((r) => r.idempotencyKey));
    expect(keys.size).toBe(1);
  });

  it("honours 429 retry-after: no new attempt before the time Resend asked for", async () => {
    await invite(2, 'limited');
    resend.failNext({ status: 429, name: 'rate_limit_exceeded', message: 'Too many requests', headers: { 'retry-after': '2' } });
    const before = Date.now();
    await roster.services.outbox.runOnce();
    const rows = await roster.dataSource.getRepository(OutboxEmailEntity).find();
    for (const row of rows) {
      expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 1900);
      expect(row.attempts).toBe(0);
    }
    expect(await roster.services.outbox.runOnce()).toBe(0);
  });

  it('marks a permanent failure (422) as failed, with the reason on the invitation', async () => {
    const transport: EmailTransport = new ResendTransport(resend.apiKey, resend.url, 'not an address');
    const worker = new OutboxWorker(roster.dataSource, transport, roster.services.events, silent);
    await invite(1, 'rejected');
    await worker.runOnce();
    const invitation = (await roster.dataSource.getRepository(InvitationEntity).find())[0]!;
    expect(invitation.deliveryStatus).toBe(DeliveryStatus.FAILED);
    expect(invitation.deliveryError).toMatch(/validation_error/);
    expect((await roster.dataSource.getRepository(OutboxEmailEntity).find())[0]!.state).toBe(OutboxState.FAILED);
    expect(resend.delivered).toHaveLength(0);
  });

  it('a worker that dies mid-batch is taken over after its lease, with no duplicate and nothing lost', async () => {
    const recipients = await invite(40, 'crash');
    const real = new ResendTransport(resend.apiKey, resend.url, 'Roster <invites@roster.test>');
    // Sends, then never comes back: the process "died" before recording the result.
    const dying: EmailTransport = { name: 'resend', send: async (emails, key) => (await real.send(emails, key), new Promise(() => {})) };
    const doomed = new OutboxWorker(roster.dataSource, dying, roster.services.events, silent, { leaseMs: 300, workerId: 'doomed' });
    void doomed.runOnce();
    await waitFor(() => resend.delivered.length === 40);
    const survivor = new OutboxWorker(roster.dataSource, real, roster.services.events, silent, { leaseMs: 300, workerId: 'survivor' });
    expect(await survivor.drain()).toBe(0);
    await new Promise((r) => setTimeout(r, 350));
    expect(await survivor.drain()).toBe(40);
    expectEachDeliveredOnce(recipients);
    expect((await roster.dataSource.getRepository(OutboxEmailEntity).find()).every((r) => r.state === OutboxState.SENT)).toBe(true);
  });

  it('three workers draining at once deliver each email exactly once', async () => {
    const recipients = await invite(250, 'parallel');
    const workers = ['a', 'b', 'c'].map(
      (id) => new OutboxWorker(roster.dataSource, new ResendTransport(resend.apiKey, resend.url, 'Roster <invites@roster.test>'), roster.services.events, silent, { workerId: id, batchSize: 20 }),
    );
    const sent = await Promise.all(workers.map((w) => w.drain()));
    expect(sent.reduce((a, b) => a + b, 0)).toBe(250);
    expectEachDeliveredOnce(recipients);
    expect(resend.delivered).toHaveLength(250);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
