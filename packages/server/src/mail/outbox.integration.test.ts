import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { FakeClock } from '../../test/fakes/clock.js';
import { FakeResend } from '../../test/fakes/resend.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { DeliveryStatus, InvitationEntity } from '../invitations/invitation.entity.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';
import { OutboxWorker } from './outbox-worker.js';
import { ResendTransport, type EmailTransport } from './transport.js';

const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { invitedCount results { verdict email user { id } } } }`;
const FAILED_EMAILS = `query { users(filter: { emailFailed: true }) { totalCount edges { node { id email invitation { deliveryStatus deliveryError } } } } }`;
const RETRY = `mutation($input: RetryInvitationEmailsInput!) { retryInvitationEmails(input: $input) { results { userId ok code message inviteLink } } }`;
const silent = { info: () => {}, error: () => {} };
const FROM = 'Roster <invites@roster.test>';
const HOUR = 3_600_000;

describe.each(dialects)('the email outbox through Resend (%s)', (dialect) => {
  let resend: FakeResend;
  let roster: TestRoster;
  let admin: TestClient;
  let clock: FakeClock;
  let accountId: string;

  beforeEach(async () => {
    resend = await new FakeResend().start();
    clock = new FakeClock();
    // The production retry policy, on a clock the tests move: nothing here waits for a backoff or a lease.
    roster = await startTestRoster(
      dialect,
      // Resend's pacing is outbox-rate.integration.test.ts's subject; here the fake-clock loops run at full speed.
      { resendApiKey: resend.apiKey, resendBaseUrl: resend.url, mailFrom: FROM, resendRequestsPerSecond: 10_000 },
      { runOutboxWorker: false, outbox: { now: clock.now, lanes: 1 } },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Outbox MSP' });
    accountId = account.id;
    const email = `admin-${Math.random().toString(36).slice(2)}@outbox.test`;
    await build.aUser(account.id, { email, role: Role.OWNER, password: 'admin-pass', name: 'Ola Admin' });
    admin = new TestClient(roster.url);
    await admin.signIn(email, 'admin-pass');
  });
  afterEach(async () => {
    await roster?.close();
    await resend?.stop();
  });

  const outboxRows = () => roster.dataSource.getRepository(OutboxEmailEntity).find();
  const invitations = () => roster.dataSource.getRepository(InvitationEntity).find();
  const resendTransport = () => new ResendTransport(resend.apiKey, resend.url, FROM);

  const invite = async (count: number, prefix: string) => {
    const addresses = Array.from({ length: count }, (_, i) => `${prefix}${i}@clients.test`).join('\n');
    const result = await admin.gql(INVITE, { input: { addresses } });
    expect(result.data!.inviteUsers.invitedCount).toBe(count);
    catchUp();
    return Array.from({ length: count }, (_, i) => `${prefix}${i}@clients.test`);
  };

  /** The server queues emails at the real time: the standing clock catches up so they are due. */
  const catchUp = () => clock.advanceTo(new Date());

  /** Moves the clock to when the pending emails are due again. */
  const untilDue = async () => {
    const pending = (await outboxRows()).filter((row) => row.state === OutboxState.PENDING);
    for (const row of pending) clock.advanceTo(row.nextAttemptAt);
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
    expect(email.from).toBe(FROM);
    expect(email.subject).toMatch(/Ola Admin invited you to join Outbox MSP/);
    expect(email.html).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}/);
    expect(email.text).toMatch(/This link works until/);
    const rows = await outboxRows();
    expect(rows.every((r) => r.state === OutboxState.SENT && r.html === null && r.actionUrl === null)).toBe(true);
    expect((await invitations()).every((i) => i.deliveryStatus === DeliveryStatus.SENT && i.sendCount === 1 && i.lastSentAt !== null)).toBe(
      true,
    );
  });

  it('retries 500s with backoff and still sends once', async () => {
    const recipients = await invite(3, 'flaky');
    resend.failNext(
      { status: 500, name: 'internal_server_error', message: 'boom' },
      { status: 503, name: 'internal_server_error', message: 'again' },
    );
    await roster.services.outbox.runOnce();
    await untilDue();
    await roster.services.outbox.runOnce();
    const retrying = await outboxRows();
    expect(
      retrying.every((r) => r.state === OutboxState.PENDING && r.attempts === 2 && /internal_server_error/.test(r.lastError ?? '')),
    ).toBe(true);
    await untilDue();
    await roster.services.outbox.drain();
    expectEachDeliveredOnce(recipients);
  });

  it('keeps retrying through an hour of 5xx answers, then sends each email once under the same key and never marks it failed', async () => {
    const recipients = await invite(3, 'outage');
    const outageEnds = clock.now().getTime() + HOUR;
    resend.failWhile(() => clock.now().getTime() < outageEnds, {
      status: 503,
      name: 'internal_server_error',
      message: 'Service unavailable',
    });
    for (let pass = 0; resend.delivered.length === 0; pass++) {
      expect(pass, 'passes before Resend came back').toBeLessThan(100);
      await roster.services.outbox.runOnce();
      expect((await outboxRows()).map((r) => r.state)).not.toContain(OutboxState.FAILED);
      expect((await invitations()).map((i) => i.deliveryStatus)).not.toContain(DeliveryStatus.FAILED);
      await untilDue();
    }
    expectEachDeliveredOnce(recipients);
    const outageAnswers = resend.requests.filter((r) => r.status === 503);
    // More attempts than the old policy's 8 gave in total, spread over the whole outage, none wasted on a spin.
    expect(outageAnswers.length).toBeGreaterThan(8);
    expect(outageAnswers.length).toBeLessThan(40);
    expect(new Set(resend.requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect((await outboxRows()).every((r) => r.state === OutboxState.SENT && r.attempts === outageAnswers.length + 1)).toBe(true);
    expect((await invitations()).every((i) => i.deliveryStatus === DeliveryStatus.SENT)).toBe(true);
  });

  it('gives up on a transient failure only a day after the first attempt, and then shows the email as failed', async () => {
    await invite(1, 'longoutage');
    resend.failWhile(() => true, { status: 502, name: 'internal_server_error', message: 'Bad gateway' });
    const firstAttempt = clock.now().getTime();
    let lastPendingAttemptAt = firstAttempt;
    for (let pass = 0; (await outboxRows())[0]!.state === OutboxState.PENDING; pass++) {
      expect(pass).toBeLessThan(200);
      lastPendingAttemptAt = clock.now().getTime();
      await roster.services.outbox.runOnce();
      await untilDue();
    }
    const [row] = await outboxRows();
    expect(row!.state).toBe(OutboxState.FAILED);
    expect(row!.lastError).toMatch(/^Gave up after 24 hours of failed attempts\. Last answer: internal_server_error: Bad gateway/);
    expect(lastPendingAttemptAt - firstAttempt).toBeGreaterThanOrEqual(24 * HOUR);
    // Capped backoff: about 15 minutes apart at most, so there were many attempts, not a handful.
    expect(row!.attempts).toBeGreaterThan(90);
    const [invitation] = await invitations();
    expect(invitation!.deliveryStatus).toBe(DeliveryStatus.FAILED);
  });

  it('treats a 409 for the idempotency key as transient and sends once', async () => {
    const recipients = await invite(2, 'conflict');
    resend.failNext({
      status: 409,
      name: 'concurrent_idempotent_requests',
      message: 'Same idempotency key used while original request is still in progress.',
    });
    await roster.services.outbox.runOnce();
    expect(
      (await outboxRows()).every((r) => r.state === OutboxState.PENDING && /concurrent_idempotent_requests/.test(r.lastError ?? '')),
    ).toBe(true);
    await untilDue();
    expect(await roster.services.outbox.drain()).toBe(2);
    expectEachDeliveredOnce(recipients);
  });

  it('sends nothing twice when Resend accepted a batch but the answer was lost', async () => {
    const recipients = await invite(5, 'lost');
    resend.failNext({ status: 500, name: 'internal_server_error', message: 'gateway timeout', afterAccepting: true });
    await roster.services.outbox.runOnce();
    await untilDue();
    await roster.services.outbox.drain();
    expectEachDeliveredOnce(recipients);
    const keys = new Set(resend.requests.map((r) => r.idempotencyKey));
    expect(keys.size).toBe(1);
  });

  it('honours 429 retry-after: no new attempt before the time Resend asked for', async () => {
    await invite(2, 'limited');
    resend.failNext({ status: 429, name: 'rate_limit_exceeded', message: 'Too many requests', headers: { 'retry-after': '2' } });
    const before = clock.now().getTime();
    await roster.services.outbox.runOnce();
    const rows = await outboxRows();
    for (const row of rows) {
      expect(row.nextAttemptAt.getTime()).toBe(before + 2000);
      expect(row.attempts).toBe(0);
    }
    clock.advance(1999);
    expect(await roster.services.outbox.runOnce()).toBe(0);
    clock.advance(1);
    expect(await roster.services.outbox.runOnce()).toBe(2);
  });

  it('marks a permanent failure (422) as failed, with the reason on the invitation', async () => {
    const transport: EmailTransport = new ResendTransport(resend.apiKey, resend.url, 'not an address');
    const worker = new OutboxWorker(roster.dataSource, transport, roster.services.events, silent, { now: clock.now });
    await invite(1, 'rejected');
    await worker.runOnce();
    const invitation = (await invitations())[0]!;
    expect(invitation.deliveryStatus).toBe(DeliveryStatus.FAILED);
    expect(invitation.deliveryError).toMatch(/validation_error/);
    expect((await outboxRows())[0]!.state).toBe(OutboxState.FAILED);
    expect(resend.delivered).toHaveLength(0);
  });

  it('a 422 fails the email at once; the admin finds it among failed emails, and Retry sends it (same link) once', async () => {
    const [failing, fine] = await invite(2, 'retry');
    resend.failNext({ status: 422, name: 'validation_error', message: 'The `to` address is on the suppression list.' });
    await roster.services.outbox.runOnce();
    expect(resend.requests).toHaveLength(1);
    expect((await outboxRows()).every((r) => r.state === OutboxState.FAILED && r.attempts === 1)).toBe(true);

    const listed = await admin.gql(FAILED_EMAILS);
    expect(listed.data!.users.totalCount).toBe(2);
    const failedUser = listed.data!.users.edges.find((e: any) => e.node.email === failing).node;
    expect(failedUser.invitation).toEqual({
      deliveryStatus: 'FAILED',
      deliveryError: 'validation_error: The `to` address is on the suppression list.',
    });
    const finedUser = listed.data!.users.edges.find((e: any) => e.node.email === fine).node;

    const retried = await admin.gql(RETRY, { input: { userIds: [failedUser.id] } });
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.retryInvitationEmails.results).toEqual([
      expect.objectContaining({ userId: failedUser.id, ok: true, code: null, inviteLink: null }),
    ]);
    const again = await admin.gql(RETRY, { input: { userIds: [failedUser.id] } });
    expect(again.data!.retryInvitationEmails.results[0]).toMatchObject({ ok: false, code: 'EMAIL_NOT_FAILED' });
    catchUp();

    expect(await roster.services.outbox.drain()).toBe(1);
    expect(resend.delivered.map((e) => e.to[0])).toEqual([failing]);
    const stillFailed = await admin.gql(FAILED_EMAILS);
    expect(stillFailed.data!.users.edges.map((e: any) => e.node.id)).toEqual([finedUser.id]);
    const invitation = (await invitations()).find((i) => i.email === failing)!;
    expect(invitation.deliveryStatus).toBe(DeliveryStatus.SENT);
    expect(invitation.deliveryError).toBeNull();
    expect(invitation.sendCount).toBe(1);
  });

  it('an administrator cannot retry the failed email of an invitation to OWNER', async () => {
    const build = builders(roster.dataSource);
    await build.aUser(accountId, { email: 'second-admin@outbox.test', role: Role.ADMIN, password: 'second-pass' });
    const invited = await admin.gql(INVITE, { input: { addresses: 'next-owner@clients.test', role: 'OWNER' } });
    const userId = invited.data!.inviteUsers.results[0].user.id;
    catchUp();
    resend.failNext({ status: 422, name: 'validation_error', message: 'Invalid `to` field' });
    await roster.services.outbox.runOnce();
    const secondAdmin = new TestClient(roster.url);
    await secondAdmin.signIn('second-admin@outbox.test', 'second-pass');
    const refused = await secondAdmin.gql(RETRY, { input: { userIds: [userId] } });
    expect(refused.data!.retryInvitationEmails.results[0]).toMatchObject({ ok: false, code: 'OWNER_REQUIRED' });
    expect((await outboxRows())[0]!.state).toBe(OutboxState.FAILED);
    await build.aUser(accountId, { email: 'member@outbox.test', role: Role.MEMBER, password: 'member-pass' });
    const memberClient = new TestClient(roster.url);
    await memberClient.signIn('member@outbox.test', 'member-pass');
    expect(errorCode(await memberClient.gql(RETRY, { input: { userIds: [userId] } }))).toBe('FORBIDDEN');
  });

  it('a hung Resend call is abandoned after the send timeout, and a later pass sends the email once', async () => {
    const recipients = await invite(2, 'hung');
    resend.hangNext();
    const worker = new OutboxWorker(roster.dataSource, resendTransport(), roster.services.events, silent, {
      workerId: 'hung-worker',
      // Long enough that a real answer on a busy machine (CI runs test files side by side on 2 cores) is never cut
      // short; the hung call waits it out once.
      sendTimeoutMs: 8_000,
      pollMs: 20,
      // Real time here: the running loop retries by itself, and the test waits for the outcome.
      baseBackoffMs: 20,
      maxBackoffMs: 50,
    });
    worker.start();
    try {
      await waitFor(async () => (await outboxRows()).every((r) => r.state === OutboxState.SENT), 60_000);
    } finally {
      await worker.stop();
    }
    expect(resend.hungCount).toBe(1);
    // The abandoned call was aborted (its connection closed), not left open in the background.
    await waitFor(() => resend.stillHanging === 0);
    // The repeat carried the hung call's key, so Resend answered it without sending again.
    expect(new Set([...resend.delivered, ...resend.requests].map((r) => r.idempotencyKey)).size).toBe(1);
    expectEachDeliveredOnce(recipients);
    expect((await outboxRows()).every((r) => r.attempts === 2)).toBe(true);
  }, 120_000);

  it('a worker renews the lease of a batch it is still sending, so another worker does not take it', async () => {
    const recipients = await invite(3, 'slow');
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    let sending = false;
    const real = resendTransport();
    const slow: EmailTransport = {
      name: 'resend',
      send: async (emails, key, signal) => ((sending = true), await answered, real.send(emails, key, signal)),
    };
    const busy = new OutboxWorker(roster.dataSource, slow, roster.services.events, silent, {
      workerId: 'busy',
      leaseMs: 60_000,
      leaseRenewMs: 10,
      sendTimeoutMs: 10 * 60_000,
      now: clock.now,
    });
    const pass = busy.runOnce();
    await waitFor(() => sending);
    // Ten minutes into the call, long past the first lease: the worker has renewed it since.
    clock.advance(10 * 60_000);
    await waitFor(async () =>
      (await outboxRows()).every((r) => r.leaseOwner === 'busy' && r.leaseUntil!.getTime() > clock.now().getTime()),
    );
    const other = new OutboxWorker(roster.dataSource, real, roster.services.events, silent, {
      workerId: 'other',
      leaseMs: 60_000,
      now: clock.now,
    });
    expect(await other.runOnce()).toBe(0);
    release();
    expect(await pass).toBe(3);
    expectEachDeliveredOnce(recipients);
    expect(resend.requests).toHaveLength(1);
    expect((await outboxRows()).every((r) => r.state === OutboxState.SENT)).toBe(true);
  });

  it('a worker that dies mid-batch is taken over after its lease, with no duplicate and nothing lost', async () => {
    const recipients = await invite(40, 'crash');
    const real = resendTransport();
    // Sends, then never comes back, and never renews its lease: the process "died" before recording the result.
    const dying: EmailTransport = { name: 'resend', send: async (emails, key) => (await real.send(emails, key), new Promise(() => {})) };
    const doomed = new OutboxWorker(roster.dataSource, dying, roster.services.events, silent, {
      leaseMs: 60_000,
      leaseRenewMs: 24 * HOUR,
      sendTimeoutMs: 24 * HOUR,
      workerId: 'doomed',
      now: clock.now,
    });
    const doomedProcess = new AbortController();
    const doomedPass = doomed.runOnce(doomedProcess.signal);
    await waitFor(() => resend.delivered.length === 40);
    const survivor = new OutboxWorker(roster.dataSource, real, roster.services.events, silent, {
      leaseMs: 60_000,
      workerId: 'survivor',
      now: clock.now,
    });
    expect(await survivor.drain()).toBe(0);
    clock.advance(60_001);
    expect(await survivor.drain()).toBe(40);
    expectEachDeliveredOnce(recipients);
    expect((await outboxRows()).every((r) => r.state === OutboxState.SENT)).toBe(true);
    // The "dead" worker coming back to settle finds its lease gone and changes nothing.
    doomedProcess.abort(new Error('the process came back'));
    expect(await doomedPass).toBe(40);
    expect((await outboxRows()).every((r) => r.state === OutboxState.SENT && r.leaseOwner === null)).toBe(true);
    expect((await invitations()).every((i) => i.deliveryStatus === DeliveryStatus.SENT && i.sendCount === 1)).toBe(true);
  });

  it('three workers draining at once deliver each email exactly once', async () => {
    const recipients = await invite(250, 'parallel');
    const workers = ['a', 'b', 'c'].map(
      (id) => new OutboxWorker(roster.dataSource, resendTransport(), roster.services.events, silent, { workerId: id, batchSize: 20 }),
    );
    const sent = await Promise.all(workers.map((w) => w.drain()));
    expect(sent.reduce((a, b) => a + b, 0)).toBe(250);
    expectEachDeliveredOnce(recipients);
    expect(resend.delivered).toHaveLength(250);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
