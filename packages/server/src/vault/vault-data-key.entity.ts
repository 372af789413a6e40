import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import { AccountEntity } from '../accounts/account.entity.js';

/** An account's vault data key (32 random bytes), sealed by ROSTER_CREDENTIALS_KEY; a key rotation re-seals only these rows. */
@Entity({ name: 'vault_data_keys' })
export class VaultDataKeyEntity {
  @PrimaryColumn({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'sealed_key', type: 'varchar', length: 255 })
  sealedKey!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'resealed_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  resealedAt!: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}
