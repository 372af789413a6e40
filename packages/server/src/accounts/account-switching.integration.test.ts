import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { Role, UserStatus } from './roles.js';

const ME = '{ me { currentAccount { name } role memberships { account { name } role } } }';
const SWITCH = 'mutation($id: ID!) { switchAccount(input: { accountId: $id }) { viewer { currentAccount { name } role } } }';

/** The dashboard's account switcher: the accounts with the role held in each, and the next sign-in landing in the last one used. */
describe.each(dialects)('a person in several MSP accounts (%s)', (dialect) => {
  let roster: TestRoster;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    const build = builders(roster.dataSource);
    for (const name of ['Zulu MSP', 'Alpha MSP', 'Mike MSP', 'Gone MSP']) ids[name] = (await build.anAccount({ name })).id;
    // Joined Zulu first, so without any activity a sign-in lands there.
    const first = await build.aUser(ids['Zulu MSP']!, { email: 'multi@msp.test', role: Role.OWNER, password: 'multi-pass-1' });
    const personId = first.personId!;
    await build.aUser(ids['Alpha MSP']!, { email: 'multi@msp.test', role: Role.MEMBER, personId });
    await build.aUser(ids['Mike MSP']!, { email: 'multi@msp.test', role: Role.ADMIN, personId });
    // Suspended there: not offered, and never where a sign-in lands however recent its activity.
    await build.aUser(ids['Gone MSP']!, {
      email: 'multi@msp.test',
      role: Role.ADMIN,
      personId,
      status: UserStatus.SUSPENDED,
      lastActiveAt: new Date(),
    });
  });
  afterAll(() => roster?.close());

  it('lists every active account by name with the role held in each', async () => {
    const client = new TestClient(roster.url);
    await client.signIn('multi@msp.test', 'multi-pass-1');
    const me = (await client.gql(ME)).data!.me;
    expect(me.memberships).toEqual([
      { account: { name: 'Alpha MSP' }, role: 'MEMBER' },
      { account: { name: 'Mike MSP' }, role: 'ADMIN' },
      { account: { name: 'Zulu MSP' }, role: 'OWNER' },
    ]);
    expect(me).toMatchObject({ currentAccount: { name: 'Zulu MSP' }, role: 'OWNER' });
  });

  it('the next sign-in, in any browser, lands in the account switched to last', async () => {
    const laptop = new TestClient(roster.url);
    await laptop.signIn('multi@msp.test', 'multi-pass-1');
    expect((await laptop.gql(SWITCH, { id: ids['Mike MSP'] })).data!.switchAccount.viewer).toEqual({
      currentAccount: { name: 'Mike MSP' },
      role: 'ADMIN',
    });
    await laptop.gql('mutation { signOut { signedOut } }');

    const phone = new TestClient(roster.url);
    expect((await phone.signIn('multi@msp.test', 'multi-pass-1')).data!.signIn.viewer).toMatchObject({
      currentAccount: { name: 'Mike MSP' },
      role: 'ADMIN',
    });

    // Back and forth within a minute: the latest switch wins (switching is recorded at once, not throttled).
    await phone.gql(SWITCH, { id: ids['Alpha MSP'] });
    await phone.gql(SWITCH, { id: ids['Zulu MSP'] });
    const tablet = new TestClient(roster.url);
    expect((await tablet.signIn('multi@msp.test', 'multi-pass-1')).data!.signIn.viewer.currentAccount.name).toBe('Zulu MSP');
  });
});
