import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entities } from './entities.js';

/**
 * Every table carries the account id (column account_id), so a sharded MySQL (Vitess, PlanetScale) can split the
 * data by account (docs/OPERATIONS.md, "Beyond one database"). These are the only exceptions, each with its reason;
 * they are the global tables a sharded deployment keeps unsharded. A new table without account_id fails this test
 * until it gets the column or a reason here (and in OPERATIONS.md).
 */
const TABLES_WITHOUT_ACCOUNT: Record<string, string> = {
  accounts: 'the tenant itself: its id is the account id',
  people: 'a sign-in identity shared by every account the person belongs to (memberships carry the account)',
  sessions: "a person's sign-in; it moves between the person's accounts (current_account_id)",
  mfa_factors: "a person's second factors, used in every account they belong to",
  mfa_recovery_codes: "a person's recovery codes, like their factors",
  webauthn_challenges: 'a passkey challenge, issued before anyone (and any account) is known',
};

describe('tables keyed by account', () => {
  const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities });
  beforeAll(() => dataSource.initialize());
  afterAll(() => dataSource.destroy());

  const hasAccountId = (table: string) =>
    dataSource
      .getMetadata(dataSource.entityMetadatas.find((m) => m.tableName === table)!.target)
      .columns.some((c) => c.databaseName === 'account_id' && !c.isNullable);

  it('every table has a non-null account_id, except the documented global ones', () => {
    const without = dataSource.entityMetadatas.map((m) => m.tableName).filter((table) => !hasAccountId(table));
    expect(without.sort()).toEqual(Object.keys(TABLES_WITHOUT_ACCOUNT).sort());
  });

  it('child tables of an account carry it too: import rows, sync run items, SCIM request errors, group members', () => {
    for (const table of ['import_rows', 'sync_run_items', 'scim_request_errors', 'group_members']) expect(hasAccountId(table)).toBe(true);
  });
});
