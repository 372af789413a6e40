import type { DataSource } from 'typeorm';
import { SsoConnectionEntity, SsoSessionEntity } from './sso.entity.js';

/**
 * The accounts where this person may not sign in with a password or a passkey: their connection is "SSO only" and
 * the person is not an owner there (owners keep a break-glass password, with their second factor).
 */
export async function ssoOnlyAccountIds(dataSource: DataSource, personId: string): Promise<Set<string>> {
  const rows: Array<{ account_id: string }> = await dataSource.query(
    "SELECT m.account_id AS account_id FROM memberships m JOIN sso_connections c ON c.account_id = m.account_id WHERE m.person_id = ? AND c.sso_only = 1 AND m.role <> 'OWNER'",
    [personId],
  );
  return new Set(rows.map((r) => r.account_id));
}

/**
 * Why a session may not move to another account, or null: a session SSO opened stays in the account whose provider
 * vouched for the person, and a session opened with a password cannot enter an account that is SSO only for them.
 */
export async function switchRefusal(
  dataSource: DataSource,
  sessionId: string,
  personId: string,
  accountId: string,
): Promise<string | null> {
  const sso = await dataSource.getRepository(SsoSessionEntity).findOneBy({ sessionId });
  if (sso && sso.accountId !== accountId)
    return 'You signed in with single sign-on to another MSP account. Sign out, then sign in to this one.';
  if (!sso && (await ssoOnlyAccountIds(dataSource, personId)).has(accountId))
    return 'That MSP account signs in with single sign-on only. Sign out, then use "Sign in with SSO".';
  return null;
}

/** Whether the account refuses passwords to someone holding `role` (its connection is SSO only, and the role is not owner). */
export async function passwordRefusedIn(dataSource: DataSource, accountId: string, role: string): Promise<boolean> {
  if (role === 'OWNER') return false;
  const connection = await dataSource.getRepository(SsoConnectionEntity).findOne({ where: { accountId }, select: { ssoOnly: true } });
  return connection?.ssoOnly === true;
}
