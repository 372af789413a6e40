import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { builders } from '../../test/builders.js';
import { createTestDatabase, dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id url events enabled secretPrefix createdBy } } }`;
const DELIVERIES = `query($endpointId: ID!) { webhookDeliveries(endpointId: $endpointId) { totalCount edges { node { id eventId eventType state attempts responseStatus responseBody lastError deliveredAt } } } }`;
const REDELIVER = `mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { delivery { id eventId state } } }`;
const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { invitedCount results { user { id } } } }`;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A receiver written from the README alone, as a customer would: it verifies `Roster-Webhook-Signature`
 * with its own HMAC code (nothing imported from the server) and answers with the statuses it is told to.
 */
class Receiver {
  readonly received: Received[] = [];
  readonly verified: boolean[] = [];
  statuses: number[] = [];
  secret = '';
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body });
      this.verified.push(this.verify(req.headers, body));
      const status = this.statuses.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : 'try later');
    });
  });

  verify(headers: http.IncomingHttpHeaders, body: string): boolean {
    const id = headers['roster-webhook-id'];
    const timestamp = headers['roster-webhook-timestamp'];
    const signature = headers['roster-webhook-signature'];
    if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
    const expected = Buffer.from('v1=' + createHmac('sha256', this.secret).update(`${id}.${timestamp}.${body}`).digest('hex'));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function eventually<T>(
  read: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 8000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (value) return value as T;
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const fastWorker = { pollMs: 25, baseBackoffMs: 100, maxBackoffMs: 200 };

describe.each(dialects)('webhooks (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let otherAdmin: TestClient;
  let receiver: Receiver;
  let receiverUrl: string;

  beforeAll(async () => {
    receiver = new Receiver();
    receiverUrl = await receiver.listen();
    roster = await startTestRoster(dialect, { outboundAllowPrivateNetworks: true }, { webhooks: fastWorker });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Hooked MSP' });
    const other = await build.anAccount({ name: 'Other MSP' });
    await build.aUser(account.id, { email: 'admin@hooked.test', role: Role.ADMIN, password: 'admin-password' });
    await build.aUser(other.id, { email: 'admin@other.test', role: Role.ADMIN, password: 'other-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@hooked.test', 'admin-password');
    otherAdmin = new TestClient(roster.url);
    await otherAdmin.signIn('admin@other.test', 'other-password');
  });
  afterAll(async () => {
    await roster?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.verified.length = 0;
    receiver.statuses = [];
  });

  const register = async (events = ['user.invited'], client = admin) => {
    const created = await client.gql(CREATE, { input: { url: receiverUrl, events, description: 'Test receiver' } });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createWebhookEndpoint.endpoint.createdBy).toMatch(/^User \d+$/);
    expect(created.data!.createWebhookEndpoint.secret.startsWith(created.data!.createWebhookEndpoint.endpoint.secretPrefix)).toBe(true);
    receiver.secret = created.data!.createWebhookEndpoint.secret;
    return created.data!.createWebhookEndpoint.endpoint.id as string;
  };
  const deliveriesOf = async (endpointId: string, client = admin) => (await client.gql(DELIVERIES, { endpointId })).data?.webhookDeliveries;

  it('POSTs a signed delivery for an invitation, which an independent receiver verifies', async () => {
    const endpointId = await register();
    const invited = await admin.gql(INVITE, { input: { addresses: 'new.hire@example.test', sendEmail: false } });
    const userId = invited.data!.inviteUsers.results[0].user.id;
    await eventually(() => receiver.received.length >= 1);
    const [delivery] = receiver.received;
    expect(receiver.verified).toEqual([true]);
    expect(delivery!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(delivery!.body);
    expect(body).toMatchObject({ type: 'user.invited', target: { id: userId, email: 'new.hire@example.test' }, actor: { type: 'PERSON' } });
    expect(delivery!.headers['roster-webhook-id']).toBe(body.id);
    const list = await eventually(async () => {
      const page = await deliveriesOf(endpointId);
      return page.edges[0].node.state === 'SUCCEEDED' ? page : null;
    });
    expect(list.edges[0].node).toMatchObject({ eventType: 'user.invited', attempts: 1, responseStatus: 200, responseBody: 'thanks' });
    // A tampered body fails the receiver's check: the signature covers it.
    expect(receiver.verify(delivery!.headers, delivery!.body.replace('new.hire', 'someone.else'))).toBe(false);
    await admin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId });
  });

  it('retries after a 500 and delivers exactly once', async () => {
    const endpointId = await register();
    receiver.statuses = [500];
    await admin.gql(INVITE, { input: { addresses: 'retry.me@example.test', sendEmail: false } });
    const done = await eventually(async () => {
      const page = await deliveriesOf(endpointId);
      return page.edges[0]?.node.state === 'SUCCEEDED' ? page.edges[0].node : null;
    });
    expect(done).toMatchObject({ attempts: 2, responseStatus: 200 });
    // A later event delivered proves the worker went on past the success: only then is "no third attempt" a finding.
    await admin.gql(INVITE, { input: { addresses: 'after.retry@example.test', sendEmail: false } });
    await eventually(async () => (receiver.received.some((r) => r.body.includes('after.retry@example.test')) ? true : null));
    const retried = receiver.received.filter((r) => r.body.includes('retry.me@example.test'));
    expect(retried).toHaveLength(2);
    expect(retried[0]!.headers['roster-webhook-id']).toBe(retried[1]!.headers['roster-webhook-id']);
    expect(receiver.verified.every(Boolean)).toBe(true);
    await admin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId });
  });

  it('re-delivers a delivery with the same event id and body', async () => {
    const endpointId = await register();
    await admin.gql(INVITE, { input: { addresses: 'again@example.test', sendEmail: false } });
    const first = await eventually(async () => {
      const page = await deliveriesOf(endpointId);
      return page.edges[0]?.node.state === 'SUCCEEDED' ? page.edges[0].node : null;
    });
    const again = await admin.gql(REDELIVER, { input: { deliveryId: first.id } });
    expect(again.errors).toBeUndefined();
    expect(again.data!.redeliverWebhook.delivery).toMatchObject({ eventId: first.eventId, state: 'PENDING' });
    await eventually(() => receiver.received.length >= 2);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(receiver.verified).toEqual([true, true]);
    const page = await eventually(async () => {
      const list = await deliveriesOf(endpointId);
      return list.edges.every((e: any) => e.node.state === 'SUCCEEDED') ? list : null;
    });
    expect(page.totalCount).toBe(2);
    await admin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId });
  });

  it('refuses private and loopback addresses unless configuration allows them, at registration and at delivery', async () => {
    const endpointId = await register();
    roster.services.config.outboundAllowPrivateNetworks = false;
    try {
      for (const url of [
        'https://127.0.0.1/hook',
        'https://localhost/hook',
        'https://[::1]/hook',
        'https://169.254.169.254/latest',
        'https://10.1.2.3/x',
        receiverUrl,
      ]) {
        const refused = await admin.gql(CREATE, { input: { url, events: ['user.invited'] } });
        expect(errorCode(refused), url).toBe('BAD_USER_INPUT');
        expect(refused.errors![0]!.extensions!.field).toBe('input.url');
      }
      const refused = await admin.gql(CREATE, { input: { url: 'https://127.0.0.1/hook', events: ['user.invited'] } });
      expect(refused.errors![0]!.message).toMatch(/private, loopback/);
      // Registered while allowed; the delivery is checked again and never reaches the receiver.
      await admin.gql(INVITE, { input: { addresses: 'blocked@example.test', sendEmail: false } });
      const failed = await eventually(async () => {
        const page = await deliveriesOf(endpointId);
        return page.edges[0]?.node.state === 'FAILED' ? page.edges[0].node : null;
      });
      expect(failed.lastError).toMatch(/^Refused: .*(must start with https|private, loopback)/);
      expect(receiver.received).toHaveLength(0);
    } finally {
      roster.services.config.outboundAllowPrivateNetworks = true;
    }
    await admin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId });
  });

  it('validates the input and keeps endpoints and deliveries to their account', async () => {
    expect(errorCode(await admin.gql(CREATE, { input: { url: receiverUrl, events: [] } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await admin.gql(CREATE, { input: { url: receiverUrl, events: ['user.exploded'] } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await admin.gql(CREATE, { input: { url: 'not a url', events: ['user.invited'] } }))).toBe('BAD_USER_INPUT');
    const endpointId = await register();
    await admin.gql(INVITE, { input: { addresses: 'mine@example.test', sendEmail: false } });
    const mine = await eventually(async () => (await deliveriesOf(endpointId)).edges[0]?.node);
    const listed = await otherAdmin.gql(`{ webhookEndpoints { totalCount } }`);
    expect(listed.data!.webhookEndpoints.totalCount).toBe(0);
    expect(errorCode(await otherAdmin.gql(DELIVERIES, { endpointId }))).toBe('NOT_FOUND');
    expect(errorCode(await otherAdmin.gql(REDELIVER, { input: { deliveryId: mine.id } }))).toBe('NOT_FOUND');
    expect(
      errorCode(await otherAdmin.gql(`mutation($id: ID!) { rollWebhookSecret(input: { id: $id }) { secret } }`, { id: endpointId })),
    ).toBe('NOT_FOUND');
    expect(
      errorCode(
        await otherAdmin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId }),
      ),
    ).toBe('NOT_FOUND');
    // The other account's invitations are not sent to this account's endpoint.
    // Deliveries are queued in the transaction of the change, so once the invitation is answered its deliveries exist.
    expect((await otherAdmin.gql(INVITE, { input: { addresses: 'theirs@example.test', sendEmail: false } })).errors).toBeUndefined();
    const queued = await roster.dataSource.getRepository(WebhookDeliveryEntity).findBy({ endpointId });
    expect(queued.some((d) => d.payload.includes('mine@example.test'))).toBe(true);
    expect(queued.some((d) => d.payload.includes('theirs@example.test'))).toBe(false);
    await admin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId });
  });

  it('sends import.finished, with the outcome counts, when a CSV import ends', async () => {
    const endpointId = await register(['import.finished']);
    const uploaded = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', cookie: admin.cookie!, 'x-roster-upload': '1' },
      body: 'email,name\ncsv.one@example.test,One\nnot-an-email,Two\n',
    });
    const jobId = ((await uploaded.json()) as any).job.id;
    await eventually(
      async () => (await admin.gql(`query($id: ID!) { importJob(id: $id) { state } }`, { id: jobId })).data?.importJob.state === 'PREVIEW',
    );
    const started = await admin.gql(`mutation($input: StartImportInput!) { startImport(input: $input) { job { id } } }`, {
      input: { jobId, defaultRole: 'MEMBER', sendEmails: false, unknownCompanies: 'SKIP', unknownGroups: 'SKIP' },
    });
    expect(started.errors).toBeUndefined();
    await eventually(() => receiver.received.length >= 1);
    const body = JSON.parse(receiver.received[0]!.body);
    expect(body).toMatchObject({
      type: 'import.finished',
      target: { id: jobId },
      details: { fileName: 'team.csv', outcomes: { INVITED: 1, INVALID: 1 } },
    });
    expect(receiver.verified).toEqual([true]);
    await admin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId });
  });

  it('rolls the secret: deliveries are signed with the new one only', async () => {
    const endpointId = await register(['user.invited']);
    const oldSecret = receiver.secret;
    const rolled = await admin.gql(
      `mutation($id: ID!) { rollWebhookSecret(input: { id: $id }) { secret endpoint { secretPrefix secretRolledAt } } }`,
      { id: endpointId },
    );
    const newSecret = rolled.data!.rollWebhookSecret.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    expect(rolled.data!.rollWebhookSecret.endpoint.secretRolledAt).not.toBeNull();
    receiver.secret = newSecret;
    await admin.gql(`mutation($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { delivery { eventType } } }`, { id: endpointId });
    await eventually(() => receiver.received.length >= 1);
    expect(JSON.parse(receiver.received[0]!.body).type).toBe('webhook.test');
    expect(receiver.verified).toEqual([true]);
    receiver.secret = oldSecret;
    expect(receiver.verify(receiver.received[0]!.headers, receiver.received[0]!.body)).toBe(false);
    await admin.gql(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { endpoint { id } } }`, { id: endpointId });
  });
});

describe.each(dialects)('the webhook endpoints list with each last delivery (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  const LIST = `query($first: Int!) { webhookEndpoints(page: { first: $first }) { edges { node { id url lastDelivery { id eventType state attempts createdAt } } } } }`;
  const SEND_TEST = `mutation($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { delivery { id } } }`;

  beforeAll(async () => {
    // No background worker: deliveries stay PENDING as queued, and no polling is counted as the list's queries.
    roster = await startTestRoster(
      dialect,
      { outboundAllowPrivateNetworks: true },
      { runWebhookWorker: false, runOutboxWorker: false, runSyncEngine: false, runImportRunner: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'admin@listed.test', role: Role.ADMIN, password: 'admin-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@listed.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  const lastDeliveries = async (first: number) => {
    const listed = await admin.gql(LIST, { first });
    expect(listed.errors).toBeUndefined();
    return new Map<string, any>(listed.data!.webhookEndpoints.edges.map((e: any) => [e.node.id, e.node.lastDelivery]));
  };

  it("shows each endpoint's newest delivery, null before the first, in the same number of queries for 2 endpoints as for 8", async () => {
    const newest = new Map<string, string>();
    for (let i = 0; i < 9; i++) {
      const created = await admin.gql(CREATE, { input: { url: `http://127.0.0.1:9/hooks/${i}`, events: ['user.invited'] } });
      const id = created.data!.createWebhookEndpoint.endpoint.id as string;
      if (i === 0) continue; // the oldest endpoint (last in the list) never had a delivery
      await admin.gql(SEND_TEST, { id });
      // The second delivery must be strictly newer: wait for the clock to pass the first one's millisecond.
      const sentAt = Date.now();
      while (Date.now() <= sentAt) await new Promise((r) => setImmediate(r));
      const second = await admin.gql(SEND_TEST, { id });
      newest.set(id, second.data!.sendTestWebhook.delivery.id);
    }

    const all = await lastDeliveries(9);
    expect(all.size).toBe(9);
    for (const [endpointId, last] of all) {
      if (newest.has(endpointId))
        expect(last).toMatchObject({ id: newest.get(endpointId), eventType: 'webhook.test', state: 'PENDING', attempts: 0 });
      else expect(last).toBeNull();
    }

    const costOf = async (first: number) => {
      await lastDeliveries(first); // the session lookup is cached after a first call
      roster.resetQueryCount();
      const page = await lastDeliveries(first);
      expect([...page.values()].filter(Boolean)).toHaveLength(first);
      return roster.queryCount();
    };
    expect(await costOf(8)).toBe(await costOf(2));
  });
});

describe.each(dialects)('webhook deliveries across a restart (%s)', (dialect) => {
  it('delivers, after a restart on the same database, what was queued before the server stopped', async () => {
    const receiver = new Receiver();
    const receiverUrl = await receiver.listen();
    const database = await createTestDatabase(dialect);
    // As in production, both runs share the key that seals the signing secret.
    const config = { outboundAllowPrivateNetworks: true, credentialsKey: randomBytes(32) };
    try {
      // The first server queues the delivery with the invitation but never sends it (its worker is off).
      const first = await startTestRoster(dialect, config, { runWebhookWorker: false }, database);
      const build = builders(first.dataSource);
      const account = await build.anAccount();
      await build.aUser(account.id, { email: 'admin@restart.test', role: Role.ADMIN, password: 'admin-password' });
      const admin = new TestClient(first.url);
      await admin.signIn('admin@restart.test', 'admin-password');
      const created = await admin.gql(CREATE, { input: { url: receiverUrl, events: ['user.invited'] } });
      receiver.secret = created.data!.createWebhookEndpoint.secret;
      await admin.gql(INVITE, { input: { addresses: 'survivor@example.test', sendEmail: false } });
      await first.close();
      expect(receiver.received).toHaveLength(0);

      const second = await startTestRoster(dialect, config, { webhooks: fastWorker }, database);
      try {
        await eventually(() => receiver.received.length >= 1);
        expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'user.invited', target: { email: 'survivor@example.test' } });
        expect(receiver.verified).toEqual([true]);
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
      await receiver.close();
    }
  });
});
