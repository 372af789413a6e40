import type { DataSource } from 'typeorm';
import { LIVE_EVENT_USER_LIMIT } from '../core/events.js';
import { GroupMemberEntity } from './group-member.entity.js';

/**
 * The members of a group that a live event about all of them (the group deleted) names: at most
 * LIVE_EVENT_USER_LIMIT + 1, since past the limit the event says "refetch your lists" and lists none.
 */
export async function memberIdsForLiveEvent(dataSource: DataSource, accountId: string, groupId: string): Promise<string[]> {
  const rows = await dataSource
    .getRepository(GroupMemberEntity)
    .find({ where: { accountId, groupId }, select: { membershipId: true }, take: LIVE_EVENT_USER_LIMIT + 1 });
  return rows.map((row) => row.membershipId);
}
