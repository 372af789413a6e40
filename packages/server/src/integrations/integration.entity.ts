import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import { AccountEntity } from '../accounts/account.entity.js';
import { IntegrationStatus, IntegrationType } from './integration-kinds.js';

/**
 * A configured connection to an outside platform. Credentials are only ever stored sealed
 * (see secret-box.ts) and never leave the server; a SCIM integration keeps only its token's hash.
 */
@Entity({ name: 'integrations' })
@Index('ix_integrations_account', ['accountId', 'createdAt', 'id'])
@Index('uq_integrations_scim_token', ['scimTokenHash'], { unique: true })
export class IntegrationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 32 })
  type!: IntegrationType;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: IntegrationStatus;

  /** AES-256-GCM sealed JSON of the connector's credentials (secret-box.ts); null when it needs none. */
  @Column({ name: 'sealed_credentials', type: 'text', nullable: true })
  sealedCredentials!: string | null;

  /** JSON of IntegrationOptions (integration-kinds.ts). */
  @Column({ type: 'text' })
  options!: string;

  /** SHA-256 of the SCIM bearer token; the token itself is shown once. */
  @Column({ name: 'scim_token_hash', type: 'varchar', length: 64, nullable: true })
  scimTokenHash!: string | null;

  /** The first characters of the SCIM token, so an admin can tell which one an IdP holds. */
  @Column({ name: 'scim_token_prefix', type: 'varchar', length: 16, nullable: true })
  scimTokenPrefix!: string | null;

  @Column({ name: 'scim_token_rotated_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  scimTokenRotatedAt!: Date | null;

  /** Minutes between scheduled syncs; null for push-only (SCIM) or on-demand integrations. */
  @Column({ name: 'sync_interval_minutes', type: 'int', nullable: true })
  syncIntervalMinutes!: number | null;

  @Column({ name: 'last_sync_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastSyncAt!: Date | null;

  @Column({ name: 'next_sync_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  nextSyncAt!: Date | null;

  /**
   * JSON of where the next sync reads only what changed upstream, per listing (`{"users": link, "groups": link}`, e.g.
   * Graph's deltaLinks); written when a run that is not a dry run succeeds, null until then (the next sync reads everything).
   * Optional here so code that builds whole entities need not name it.
   */
  @Column({ name: 'sync_state', type: 'text', nullable: true })
  syncState?: string | null;

  /** The last connection or sync error, shown with the ERROR status. Never contains credentials. */
  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError!: string | null;

  /**
   * SCIM only: when the identity provider last made an authenticated request, written at most about once a minute
   * (a busy IdP does not write on every request); null until its first. Optional so code building whole entities need not name it.
   */
  @Column({ name: 'last_request_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastRequestAt?: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3, transformer: utcDate })
  updatedAt!: Date;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}
