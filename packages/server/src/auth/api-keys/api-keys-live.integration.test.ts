import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { createKey } from '../../../test/api-key-client.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { subscribe, untilHeard } from '../../../test/live-client.js';

const USER_EVENTS = 'subscription { userEvents { type users { email } } }';
const INVITE = 'mutation($a: String!) { inviteUsers(input: { addresses: $a, sendEmail: false }) { invitedCount } }';

describe.each(dialects)('API keys on live subscriptions (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, liveSessionCheckMs: 100 });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'live-keys@msp.test', role: Role.ADMIN, password: 'pw-live' });
    admin = new TestClient(roster.url);
    await admin.signIn('live-keys@msp.test', 'pw-live');
  });
  afterAll(() => roster?.close());

  it('streams user events to a key with users:read', async () => {
    const key = await createKey(admin, ['users:read']);
    const live = subscribe(roster.url, null, USER_EVENTS, {}, { authorization: `Bearer ${key.secret}` });
    // Connected is not yet subscribed: invite until the key's subscription hears one.
    const event = await untilHeard(live, async (attempt) => {
      const address = `streamed${attempt}@msp.test`;
      await admin.gql(INVITE, { a: address });
      return (e: any) => e.type === 'INVITED' && e.users[0]?.email === address;
    });
    expect(event.users).toEqual([{ email: expect.stringMatching(/^streamed\d+@msp\.test$/) }]);
    await live.dispose();
  });

  it('refuses the subscription to a key without the scope, naming it', async () => {
    const key = await createKey(admin, ['invitations:write']);
    const live = subscribe(roster.url, null, USER_EVENTS, {}, { authorization: `Bearer ${key.secret}` });
    await (live as any).ready;
    await expect.poll(() => live.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(live.errors)).toMatch(/"requiredScope":"users:read"/);
    expect(live.events).toEqual([]);
    await live.dispose();
  });

  it('refuses a socket with a bad key and closes one whose key is revoked', async () => {
    const forged = subscribe(roster.url, null, USER_EVENTS, {}, { authorization: `Bearer rst_000000000000_${'A'.repeat(43)}` });
    expect((await forged.closed).code).toBe(4403);

    const key = await createKey(admin, ['users:read']);
    const live = subscribe(roster.url, null, USER_EVENTS, {}, { authorization: `Bearer ${key.secret}` });
    await untilHeard(live, async (attempt) => {
      const address = `before-revoke${attempt}@msp.test`;
      await admin.gql(INVITE, { a: address });
      return (e: any) => e.type === 'INVITED' && e.users[0]?.email === address;
    });
    await admin.gql('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }', { id: key.id });
    expect(await live.closed).toMatchObject({ code: 4401, reason: 'API key no longer valid' });
  });
});
