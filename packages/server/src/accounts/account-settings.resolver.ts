import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { actorOf } from '../core/viewer.js';
import type { RequestContext } from '../core/context.js';
import { badInput } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { inTransaction } from '../core/db/transaction.js';
import { AccountEntity } from './account.entity.js';
import { UpdateAccountSettingsInput, UpdateAccountSettingsPayload } from './viewer.types.js';

@Resolver()
export class AccountSettingsResolver {
  @Mutation(() => UpdateAccountSettingsPayload, {
    description: 'Changes the name or invitation lifetime of the current MSP account. Administrators only.',
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
    const account = await inTransaction(ctx.services.dataSource, async (manager) => {
      if (Object.keys(changes).length > 0) {
        await manager.update(AccountEntity, { id: viewer.accountId }, changes);
        await recordAudit(manager, viewer.accountId, actorOf(viewer), [{ action: 'account.settings_changed', details: changes }]);
      }
      return manager.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId });
    });
    return { account: { id: account.id, name: account.name, invitationLifetimeDays: account.invitationLifetimeDays } };
  }
}
