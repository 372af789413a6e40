import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { actorOf, isAdministrator, Role } from '../core/viewer.js';
import type { RequestContext } from '../core/context.js';
import { badInput, forbidden } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { inTransaction } from '../core/db/transaction.js';
import { AccountEntity } from './account.entity.js';
import { readSeatLimit } from './seats.js';
import { Account, AccountSeats, toAccount, UpdateAccountSettingsInput, UpdateAccountSettingsPayload } from './viewer.types.js';

@Resolver(() => Account)
export class AccountSettingsResolver {
  @FieldResolver(() => AccountSeats, {
    nullable: true,
    description: "The account's seats (used, limit, available); null unless the viewer administers this account and it is the current one.",
  })
  async seats(@Root() account: Account, @Ctx() ctx: RequestContext): Promise<AccountSeats | null> {
    const viewer = await ctx.viewer();
    if (account.id !== viewer.accountId || !isAdministrator(viewer.role)) return null;
    const used = await ctx.services.users.seatsUsed(account.id);
    const limit = account.seatLimit;
    return { used, limit, available: limit === null ? null : Math.max(0, limit - used) };
  }

  @Mutation(() => UpdateAccountSettingsPayload, {
    description:
      'Changes the name, invitation lifetime, invitation reminders, MFA requirement or seat limit of the current MSP account. Administrators only; the seat limit, owners only.',
  })
  async updateAccountSettings(
    @Arg('input', () => UpdateAccountSettingsInput, { description: 'The settings to change; fields left out keep their value.' })
    input: UpdateAccountSettingsInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UpdateAccountSettingsPayload> {
    const viewer = await ctx.admin();
    const changes: Partial<AccountEntity> = {};
    if (input.name != null) {
      const name = input.name.trim();
      if (name.length < 1 || name.length > 200) throw badInput('input.name', 'The name must have 1 to 200 characters.');
      changes.name = name;
    }
    if (input.invitationLifetimeDays != null) {
      if (input.invitationLifetimeDays < 1 || input.invitationLifetimeDays > 90) {
        throw badInput('input.invitationLifetimeDays', 'An invitation can stay valid for 1 to 90 days.');
      }
      changes.invitationLifetimeDays = input.invitationLifetimeDays;
    }
    // An explicit null turns reminders off; left out keeps them.
    if (input.invitationReminderDays !== undefined) changes.invitationReminderDays = input.invitationReminderDays;
    if (input.requireMfa != null) changes.requireMfa = input.requireMfa;
    if (input.seatLimit !== undefined) {
      if (viewer.role !== Role.OWNER)
        throw forbidden('Only an owner of the account can change its seat limit.', { field: 'input.seatLimit' });
      const reading = readSeatLimit(input.seatLimit);
      if (!reading.ok) throw badInput('input.seatLimit', reading.problem);
      changes.seatLimit = reading.limit;
    }
    const account = await inTransaction(ctx.services.dataSource, async (manager) => {
      const before = await manager.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId });
      checkReminder({ ...before, ...changes }, 'invitationReminderDays' in changes);
      if (Object.keys(changes).length > 0) {
        await manager.update(AccountEntity, { id: viewer.accountId }, changes);
        await recordAudit(manager, viewer.accountId, actorOf(viewer), [{ action: 'account.settings_changed', details: changes }]);
      }
      return manager.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId });
    });
    return { account: toAccount(account) };
  }
}

/** A reminder comes at least a day after the invitation and before it expires: 1 to the lifetime minus 1 days before expiry. */
function checkReminder(after: AccountEntity, reminderChanged: boolean): void {
  const days = after.invitationReminderDays;
  if (days == null) return;
  const lifetime = after.invitationLifetimeDays;
  if (days >= 1 && days <= lifetime - 1) return;
  if (reminderChanged || days < 1)
    throw badInput(
      'input.invitationReminderDays',
      lifetime > 1
        ? `A reminder can be sent 1 to ${lifetime - 1} days before an invitation expires (invitations last ${lifetime} days).`
        : 'Invitations last one day, so there is no room for a reminder: lengthen them first, or turn reminders off.',
    );
  throw badInput(
    'input.invitationLifetimeDays',
    `Reminders are sent ${days} days before an invitation expires, so invitations must last at least ${days + 1} days; shorten or turn off the reminders first.`,
  );
}
