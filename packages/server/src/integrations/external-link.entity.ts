import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import { IntegrationEntity } from './integration.entity.js';
import { ExternalResourceType } from './integration-kinds.js';

/**
 * Ties an upstream object (by the integration's own id for it) to the local user, group or company, so syncs
 * and SCIM upserts are idempotent and survive an upstream email change.
 */
@Entity({ name: 'external_links' })
@Index('uq_external_links_key', ['integrationId', 'resourceType', 'externalId'], { unique: true })
@Index('ix_external_links_local', ['integrationId', 'resourceType', 'localId'])
// SCIM lists an integration's resources in creation order, page by page: this reads just the page.
@Index('ix_external_links_order', ['integrationId', 'resourceType', 'createdAt', 'id'])
export class ExternalLinkEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'integration_id', type: 'varchar', length: 36 })
  integrationId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'resource_type', type: 'varchar', length: 16 })
  resourceType!: ExternalResourceType;

  /** The upstream id; null when a SCIM client sent no externalId (then the link is found by localId). */
  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  /** The membership, group or company id. */
  @Column({ name: 'local_id', type: 'varchar', length: 36 })
  localId!: string;

  /** A hash of the last upstream payload applied, so an unchanged object costs no write. */
  @Column({ name: 'fingerprint', type: 'varchar', length: 64, nullable: true })
  fingerprint!: string | null;

  /**
   * JSON of upstream attributes Roster does not model itself (SCIM name parts, phone numbers...), kept so
   * the upstream system reads back what it wrote.
   */
  @Column({ type: 'text', nullable: true })
  attributes!: string | null;

  /** Set when the object was last seen upstream; a full sync suspends users (and deletes groups) it did not see. */
  @Column({ name: 'last_seen_at', type: 'datetime', precision: 3, transformer: utcDate })
  lastSeenAt!: Date;

  /**
   * Set when a sync that reads only changes heard that the object was removed upstream (Graph's `@removed`); that run's
   * removals act on it (a user suspended or kept, a group deleted), and seeing the object again clears it. Kept in the
   * table, not in memory, so a run resumed after a crash still knows what its earlier pages said was removed.
   */
  @Column({ name: 'upstream_removed_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  upstreamRemovedAt?: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @ManyToOne(() => IntegrationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'integration_id' })
  integration?: IntegrationEntity;
}
