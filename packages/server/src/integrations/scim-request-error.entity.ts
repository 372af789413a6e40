import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import { IntegrationEntity } from './integration.entity.js';

/**
 * A SCIM request of an identity provider that Roster answered with an error (4xx or 5xx), kept so the integration's
 * page can say what went wrong. Only the newest few per integration are kept (scim-activity.ts prunes). Never a
 * request body, a token or a query string: the method, the path and Roster's own answer.
 */
@Entity({ name: 'scim_request_errors' })
@Index('ix_scim_request_errors_integration', ['integrationId', 'createdAt'])
export class ScimRequestErrorEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'integration_id', type: 'varchar', length: 36 })
  integrationId!: string;

  /** The account of its integration, carried so that the table is keyed by account like every other (docs/OPERATIONS.md: sharding). */
  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 8 })
  method!: string;

  /** The path below /scim/v2, without its query string. */
  @Column({ type: 'varchar', length: 300 })
  path!: string;

  /** The HTTP status Roster answered with. */
  @Column({ type: 'int' })
  status!: number;

  /** SCIM's scimType (RFC 7644 §3.12), when the answer had one. */
  @Column({ name: 'scim_type', type: 'varchar', length: 32, nullable: true })
  scimType!: string | null;

  /** The `detail` of Roster's error answer. */
  @Column({ type: 'varchar', length: 500 })
  detail!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @ManyToOne(() => IntegrationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'integration_id' })
  integration?: IntegrationEntity;
}
