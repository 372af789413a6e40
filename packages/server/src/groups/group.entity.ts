import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import { AccountEntity } from '../accounts/account.entity.js';

/** A set of users in one MSP account (made by hand or synced from a directory). */
@Entity({ name: 'user_groups' })
@Index('uq_user_groups_account_name', ['accountId', 'name'], { unique: true })
export class GroupEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description!: string | null;

  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  /** When the group was last renamed or its members changed by an integration (SCIM's meta.lastModified); null until then. */
  @Column({ name: 'updated_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  updatedAt?: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}
