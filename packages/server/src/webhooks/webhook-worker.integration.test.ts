import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import type { Logger } from '../core/logger.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { WebhookDeliveryEntity, WebhookDeliveryState } from './webhook-delivery.entity.js';
import { WebhookWorker, type WebhookWorkerOptions } from './webhook-worker.js';
import { eventually } from '../../test/eventually.js';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`;
const SEND_TEST = `mutation($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { delivery { id } } }`;

/** A receiver that accepts the connection, reads the request, and never answers. */
class SilentReceiver {
  requests = 0;
  closed = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.sockets.add(socket);
    let counted = false;
    socket.on('data', () => {
      if (!counted) this.requests++;
      counted = true;
    });
    socket.on('close', () => {
      this.closed++;
      this.sockets.delete(socket);
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A receiver that answers 200 at once. */
class PromptReceiver {
  received = 0;
  private readonly server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      this.received++;
      res.writeHead(200).end('ok');
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(dialects)('the webhook worker and receivers that never answer (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let silent: SilentReceiver;
  let prompt: PromptReceiver;
  const workers: WebhookWorker[] = [];
  const quiet: Logger = { info: () => {}, error: () => {} };

  beforeAll(async () => {
    silent = await new SilentReceiver().start();
    prompt = await new PromptReceiver().start();
    // The receivers listen on 127.0.0.1; each test runs its own workers.
    roster = await startTestRoster(
      dialect,
      { outboundAllowPrivateNetworks: true },
      { runWebhookWorker: false, runOutboxWorker: false, runSyncEngine: false, runImportRunner: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Hung MSP' });
    await build.aUser(account.id, { email: 'admin@hung.test', role: Role.ADMIN, password: 'admin-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@hung.test', 'admin-password');
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await roster?.close();
    await silent?.stop();
    await prompt?.stop();
  });
  beforeEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    await roster.dataSource.createQueryBuilder().delete().from(WebhookDeliveryEntity).execute();
  });

  const worker = (options: WebhookWorkerOptions) => {
    const created = new WebhookWorker(
      roster.dataSource,
      roster.services.webhooks,
      roster.services.outbound,
      quiet,
      roster.services.events,
      { pollMs: 20, baseBackoffMs: 600_000, ...options },
    );
    workers.push(created);
    return created;
  };
  const endpoint = async (url: string) =>
    (await admin.gql(CREATE, { input: { url, events: ['user.invited'] } })).data!.createWebhookEndpoint.endpoint.id as string;
  const sendTest = async (endpointId: string) =>
    (await admin.gql(SEND_TEST, { id: endpointId })).data!.sendTestWebhook.delivery.id as string;
  const delivery = (id: string) => roster.dataSource.getRepository(WebhookDeliveryEntity).findOneByOrFail({ id });

  it("delivers another endpoint's webhook while one receiver holds its request, and hands the held one back unattempted on stop", async () => {
    const hung = await endpoint(silent.url);
    const fine = await endpoint(prompt.url);
    const running = worker({ timeoutMs: 600_000 });
    running.start();
    const heldId = await sendTest(hung);
    const requestsBefore = silent.requests;
    await eventually(() => silent.requests > requestsBefore, 'the silent receiver getting the request');

    const deliveredId = await sendTest(fine);
    await eventually(
      async () => (await delivery(deliveredId)).state === WebhookDeliveryState.SUCCEEDED,
      "the other endpoint's delivery succeeding",
    );
    expect(await delivery(heldId)).toMatchObject({ state: WebhookDeliveryState.PENDING, attempts: 0, leaseOwner: expect.any(String) });

    // Stopping abandons the request in flight: the delivery goes back as it was, for the next worker.
    const closedBefore = silent.closed;
    await running.stop();
    await eventually(() => silent.closed > closedBefore, 'the held connection being closed');
    expect(await delivery(heldId)).toMatchObject({ state: WebhookDeliveryState.PENDING, attempts: 0, leaseOwner: null, leaseUntil: null });
  });

  it('gives a receiver that never answers up after the configured timeout and retries it later', async () => {
    const hung = await endpoint(silent.url);
    const closedBefore = silent.closed;
    worker({ timeoutMs: 200 }).start();
    const id = await sendTest(hung);
    const attempted = await eventually(async () => {
      const row = await delivery(id);
      return row.attempts === 1 ? row : null;
    }, 'the first attempt timing out');
    expect(attempted).toMatchObject({
      state: WebhookDeliveryState.PENDING,
      responseStatus: null,
      lastError: expect.stringMatching(/did not answer within 0\.2 s/),
      leaseOwner: null,
    });
    expect(attempted.nextAttemptAt.getTime()).toBeGreaterThan(attempted.lastAttemptAt!.getTime());
    // The connection was given up, not left open.
    await eventually(() => silent.closed > closedBefore, 'the held connection being closed');
  });

  it('renews the lease of a delivery in flight, so a second instance does not send it again', async () => {
    const hung = await endpoint(silent.url);
    const id = await sendTest(hung);
    let aheadOfA = 0;
    const a = worker({ workerId: 'instance-a', leaseMs: 60_000, renewEveryMs: 20, timeoutMs: 600_000, now: () => Date.now() + aheadOfA });
    const requestsBefore = silent.requests;
    expect(await a.runOnce()).toBe(1);
    await eventually(() => silent.requests > requestsBefore, 'the silent receiver getting the request');
    const firstLease = (await delivery(id)).leaseUntil!.getTime();

    // Fifty seconds pass for A while its request is still pending: its renewals move the lease on.
    aheadOfA = 50_000;
    await eventually(
      async () => (await delivery(id)).leaseUntil!.getTime() > firstLease + 30_000,
      "instance A renewing the delivery's lease",
    );

    // Seventy seconds after the claim, the first lease would have run out; B finds the delivery still held.
    const b = worker({ workerId: 'instance-b', leaseMs: 60_000, timeoutMs: 600_000, now: () => Date.now() + 70_000 });
    expect(await b.runOnce()).toBe(0);
    expect(silent.requests).toBe(requestsBefore + 1);
    expect(await delivery(id)).toMatchObject({ leaseOwner: 'instance-a', attempts: 0 });

    // Once A stops renewing (here: long after its lease), another instance does take it over.
    const c = worker({ workerId: 'instance-c', leaseMs: 60_000, timeoutMs: 600_000, now: () => Date.now() + 10 * 60_000 });
    expect(await c.runOnce()).toBe(1);
    await eventually(() => silent.requests > requestsBefore + 1, 'the delivery being sent again');
    expect((await delivery(id)).leaseOwner).toBe('instance-c');
  });
});
