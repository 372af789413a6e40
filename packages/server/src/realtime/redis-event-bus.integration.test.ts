import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { eventually, subscribe, untilHeard } from '../../test/live-client.js';
import { startTcpProxy, type TcpProxy } from '../../test/tcp-proxy.js';
import { RedisEventBus } from './redis-event-bus.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const USER_EVENTS = 'subscription { userEvents { type resync users { email } } }';
const INVITE = 'mutation($a: String!) { inviteUsers(input: { addresses: $a, sendEmail: false }) { results { user { id } } } }';

describe.each(dialects)('live events across instances through Redis (%s)', (dialect) => {
  let proxy: TcpProxy;
  let one: TestRoster;
  let two: TestRoster;
  let adminOnOne: TestClient;
  let adminOnTwo: TestClient;

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    const quiet = { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, runWebhookWorker: false };
    // Instance one reaches Redis through the proxy, so the test can take Redis away from it alone.
    one = await startTestRoster(dialect, { redisUrl: `redis://127.0.0.1:${proxy.port}` }, quiet);
    two = await startTestRoster(dialect, { redisUrl: REDIS_URL }, quiet, one.database);
    const build = builders(one.dataSource);
    const account = await build.anAccount({ name: 'Outage' });
    await build.aUser(account.id, { email: 'one@outage.test', role: Role.ADMIN, password: 'outage-pass-1' });
    await build.aUser(account.id, { email: 'two@outage.test', role: Role.ADMIN, password: 'outage-pass-2' });
    adminOnOne = new TestClient(one.url);
    adminOnTwo = new TestClient(two.url);
    await adminOnOne.signIn('one@outage.test', 'outage-pass-1');
    await adminOnTwo.signIn('two@outage.test', 'outage-pass-2');
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await proxy?.close();
  });

  it("delivers an instance's events to its own sockets at once while Redis is unreachable, keeps a bounded backlog, and reaches the other instance again once Redis is back", async () => {
    const bus = one.services.events as RedisEventBus;
    const local = subscribe(one.url, adminOnOne.cookie, USER_EVENTS);
    const remote = subscribe(two.url, adminOnTwo.cookie, USER_EVENTS);
    let n = 0;
    const inviteOnOne = async () => {
      const email = `invitee-${++n}@outage.test`;
      await adminOnOne.gql(INVITE, { a: email });
      return (e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.email === email);
    };
    await untilHeard(local, inviteOnOne);
    await untilHeard(remote, inviteOnOne);

    proxy.cut();
    await eventually(() => !bus.connected, 'instance one noticing that Redis is gone');
    await local.next(await inviteOnOne());

    // Events published while Redis is away wait for it, but only up to the cap: the oldest are dropped.
    for (let i = 0; i < bus.maxBacklog * 3; i++)
      bus.publish({ accountId: 'no-such-account', type: 'user.changed', userIds: [`u${i}`], at: new Date() });
    expect(bus.backlog).toBe(bus.maxBacklog);

    // What instance two publishes meanwhile cannot reach instance one (Redis keeps no history)...
    await adminOnTwo.gql(INVITE, { a: 'lost-in-the-outage@outage.test' });
    await remote.next((e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.email === 'lost-in-the-outage@outage.test'));

    proxy.restore();
    await eventually(() => bus.connected && bus.backlog === 0, 'instance one reconnecting and sending its backlog');
    // ...so once Redis is back, instance one's dashboards are told to read everything again.
    expect(await local.next((e: any) => e.type === 'CHANGED' && e.resync === true)).toMatchObject({ users: [] });
    await remote.next(await inviteOnOne());
    await Promise.all([local.dispose(), remote.dispose()]);
  });
});
