import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../../accounts/account.entity.js';
import { PersonEntity } from '../../accounts/person.entity.js';
import { utcDate } from '../../core/db/columns.js';

/**
 * A credential a third party sends as `Authorization: Bearer rst_<prefix>_<secret>`. Only the SHA-256 of the
 * whole key is stored; the prefix is kept in clear so lists can show which key is which and a request can
 * find its row by an index before the hash is compared.
 */
@Entity({ name: 'api_keys' })
@Index('ix_api_keys_account_created', ['accountId', 'createdAt'])
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** Space-separated scope names, e.g. `users:read invitations:write`. */
  @Column({ type: 'varchar', length: 500 })
  scopes!: string;

  @Column({ type: 'varchar', length: 12, unique: true })
  prefix!: string;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash!: string;

  @Column({ name: 'created_by_person_id', type: 'varchar', length: 36, nullable: true })
  createdByPersonId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  expiresAt!: Date | null;

  /** Written at most once a minute per key (see ApiKeyService), so a request storm is not a write storm. */
  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  revokedAt!: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;

  @ManyToOne(() => PersonEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_person_id' })
  createdBy?: PersonEntity;
}
