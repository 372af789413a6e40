import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import { AccountEntity } from '../accounts/account.entity.js';
import { CompanyEntity } from '../companies/company.entity.js';

/**
 * A shared credential of a client company. The password, notes and TOTP secret are sealed (AES-256-GCM) under the
 * account's data key (`vault_data_keys`); lists read only the plain columns.
 */
@Entity({ name: 'vault_items' })
@Index('ix_vault_items_company_name', ['accountId', 'companyId', 'name'])
@Index('uq_vault_items_source', ['integrationId', 'upstreamId'], { unique: true })
export class VaultItemEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'company_id', type: 'varchar', length: 36 })
  companyId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  username!: string | null;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  url!: string | null;

  @Column({ name: 'sealed_password', type: 'text' })
  sealedPassword!: string;

  @Column({ name: 'sealed_notes', type: 'text', nullable: true })
  sealedNotes!: string | null;

  @Column({ name: 'sealed_totp_secret', type: 'text', nullable: true })
  sealedTotpSecret!: string | null;

  /** The integration the item was synced from; null for one made in Roster. */
  @Column({ name: 'integration_id', type: 'varchar', length: 36, nullable: true })
  integrationId!: string | null;

  @Column({ name: 'upstream_id', type: 'varchar', length: 255, nullable: true })
  upstreamId!: string | null;

  /** A digest of the upstream's values (keyed by the data key), so a sync rewrites only what changed. */
  @Column({ name: 'upstream_digest', type: 'varchar', length: 64, nullable: true })
  upstreamDigest!: string | null;

  /** When a sync last listed the item upstream (the start of that run): items of the integration not listed by a run are archived. */
  @Column({ name: 'upstream_seen_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  upstreamSeenAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3, transformer: utcDate })
  updatedAt!: Date;

  @Column({ name: 'archived_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  archivedAt!: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;

  @ManyToOne(() => CompanyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'company_id' })
  company?: CompanyEntity;
}
