import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { GroupEntity } from './group.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';

/** Membership of a user (an account membership) in a group. */
@Entity({ name: 'group_members' })
@Index('ix_group_members_membership', ['membershipId'])
export class GroupMemberEntity {
  @PrimaryColumn({ name: 'group_id', type: 'varchar', length: 36 })
  groupId!: string;

  @PrimaryColumn({ name: 'membership_id', type: 'varchar', length: 36 })
  membershipId!: string;

  /** Denormalised so every query can be scoped to the account without a join. */
  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'group_id' })
  group?: GroupEntity;

  @ManyToOne(() => MembershipEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'membership_id' })
  membership?: MembershipEntity;
}
