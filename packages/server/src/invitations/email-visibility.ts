import { refusalToActOn } from '../accounts/index.js';
import type { Role } from '../core/viewer.js';
import type { Viewer } from '../core/viewer.js';
import { OutboxEmailEntity } from '../mail/outbox-email.entity.js';
import { InvitationEntity } from './invitation.entity.js';
import type { InvitationContext } from './invitation-model.js';

/**
 * For each of these dev mailbox emails, whether the viewer may see its accept link: not when the invitation
 * it carries gives a role above the viewer's (an administrator never sees an owner's link).
 */
export async function emailsHiddenFrom(
  ctx: InvitationContext,
  viewer: Pick<Viewer, 'accountId' | 'role'>,
  outboxIds: string[],
): Promise<Set<string>> {
  if (outboxIds.length === 0) return new Set();
  const rows: Array<{ id: string; role: Role }> = await ctx.dataSource
    .getRepository(OutboxEmailEntity)
    .createQueryBuilder('o')
    .innerJoin(InvitationEntity, 'i', 'i.id = o.invitation_id')
    .select(['o.id AS id', 'i.role AS role'])
    .where('o.account_id = :accountId AND o.id IN (:...ids)', { accountId: viewer.accountId, ids: outboxIds })
    .getRawMany();
  return new Set(rows.filter((row) => refusalToActOn(viewer.role, row.role)).map((row) => row.id));
}
