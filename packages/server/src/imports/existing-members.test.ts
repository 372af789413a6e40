import type { EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { UserStatus } from '../accounts/index.js';
import { accountMembers, WHOLE_ACCOUNT_READ, type ExistingMember } from './existing-members.js';

/** A manager whose database holds `members` in one account, recording each statement it is asked. */
function fakeDatabase(members: ExistingMember[]) {
  const statements: string[] = [];
  const manager = {
    connection: { driver: { escape: (name: string) => `\`${name}\`` } },
    query: async (sql: string, params: unknown[]) => {
      statements.push(sql);
      const [, ...emails] = params as string[];
      if (/ LIMIT /.test(sql)) return members.slice(0, Number(/LIMIT (\d+)/.exec(sql)![1]));
      return members.filter((m) => emails.includes(m.email));
    },
  } as unknown as EntityManager;
  return { manager, statements };
}

const member = (i: number, email = `user${i}@x.test`): ExistingMember => ({ id: `id-${i}`, email, status: UserStatus.ACTIVE });

describe('accountMembers', () => {
  it('reads a small account once and answers every chunk from it', async () => {
    const { manager, statements } = fakeDatabase([member(1), member(2)]);
    const lookup = accountMembers(manager, 'account');
    expect([...(await lookup(['user1@x.test', 'new@x.test'])).keys()]).toEqual(['user1@x.test']);
    expect([...(await lookup(['user2@x.test'])).values()]).toEqual([member(2)]);
    expect(statements).toHaveLength(1);
  });

  it(`asks chunk by chunk in an account of more than ${WHOLE_ACCOUNT_READ.toLocaleString('en')} users`, async () => {
    const { manager, statements } = fakeDatabase(Array.from({ length: WHOLE_ACCOUNT_READ + 1 }, (_, i) => member(i)));
    const lookup = accountMembers(manager, 'account');
    expect([...(await lookup(['user7@x.test', 'new@x.test'])).keys()]).toEqual(['user7@x.test']);
    expect([...(await lookup(['user8@x.test'])).keys()]).toEqual(['user8@x.test']);
    expect(statements.filter((sql) => / IN \(/.test(sql))).toHaveLength(2);
  });

  it('asks chunk by chunk when an address is not plain ASCII (the database collation may match it to an ASCII one)', async () => {
    const { manager, statements } = fakeDatabase([member(1), member(2, 'josé@x.test')]);
    const lookup = accountMembers(manager, 'account');
    await lookup(['user1@x.test']);
    expect(statements.filter((sql) => / IN \(/.test(sql))).toHaveLength(1);
  });
});
