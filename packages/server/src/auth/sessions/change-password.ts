import { GraphQLError } from 'graphql';
import type { DataSource } from 'typeorm';
import { PersonEntity } from '../../accounts/person.entity.js';
import { inTransaction } from '../../core/db/transaction.js';
import { badInput, ErrorCode, forbidden, tooManyAttempts } from '../../core/errors.js';
import type { Viewer } from '../../core/viewer.js';
import { hashPassword, verifyPassword } from '../password.js';
import type { SignInThrottle } from '../sign-in-throttle.js';
import { auditOwnSessions, endOtherSessions } from './end-sessions.js';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Changes the signed-in person's password, given the current one (a session left open on a shared computer must not be
 * enough), and ends their other sessions: whoever knew the old password is signed out everywhere but here. Wrong current
 * passwords go through the sign-in throttle, keyed like sign-in (email and address), so an open session cannot be used
 * to guess it faster than the sign-in page allows. Audited as password.changed.
 */
export async function changePassword(
  dataSource: DataSource,
  throttle: SignInThrottle,
  viewer: Viewer,
  input: { currentPassword: string; newPassword: string; ip: string | null },
  now: Date,
): Promise<{ sessionsEnded: number }> {
  if (!viewer.sessionId) throw forbidden('Only a signed-in person can change their password, not an API key.');
  const { currentPassword, newPassword } = input;
  if (currentPassword === '') throw badInput('input.currentPassword', 'Enter your current password.');
  if (newPassword.length < MIN_PASSWORD_LENGTH)
    throw badInput('input.newPassword', `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
  if (newPassword.length > MAX_PASSWORD_LENGTH || currentPassword.length > MAX_PASSWORD_LENGTH)
    throw badInput('input.newPassword', `A password has at most ${MAX_PASSWORD_LENGTH} characters.`);

  const person = await dataSource.getRepository(PersonEntity).findOneByOrFail({ id: viewer.personId });
  if (!person.passwordHash) throw badInput('input.currentPassword', 'You do not sign in with a password, so there is none to change.');
  const address = input.ip ?? 'unknown';
  const retryAfter = await throttle.retryAfterSeconds(person.email, address);
  if (retryAfter > 0) throw tooManyAttempts(retryAfter);
  if (!(await verifyPassword(currentPassword, person.passwordHash))) {
    await throttle.recordFailure(person.email, address);
    throw new GraphQLError('Your current password is not right. Enter the password you signed in with.', {
      extensions: { code: ErrorCode.INVALID_CREDENTIALS, field: 'input.currentPassword' },
    });
  }
  await throttle.recordSuccess(person.email, address);
  if (newPassword === currentPassword)
    throw badInput('input.newPassword', 'The new password is the one you have now: choose a different one.');

  const passwordHash = await hashPassword(newPassword);
  return inTransaction(dataSource, async (manager) => {
    await manager.update(PersonEntity, { id: person.id }, { passwordHash });
    await auditOwnSessions(manager, viewer, [{ action: 'password.changed', details: {} }]);
    return { sessionsEnded: await endOtherSessions(manager, viewer, 'PASSWORD_CHANGED', now) };
  });
}
