import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import type { MfaPendingReason } from '../core/errors.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { AccountEntity } from '../accounts/account.entity.js';

/** A signed-in browser. Only the SHA-256 of the cookie's token is stored. */
@Entity({ name: 'sessions' })
@Index('ix_sessions_person', ['personId'])
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash!: string;

  @Column({ name: 'person_id', type: 'varchar', length: 36 })
  personId!: string;

  @Column({ name: 'current_account_id', type: 'varchar', length: 36 })
  currentAccountId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, transformer: utcDate })
  expiresAt!: Date;

  /** Set when the person signs out; the row stays so a later use can say "signed out" rather than "forged". */
  @Column({ name: 'ended_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  endedAt!: Date | null;

  /**
   * Set while the session is half signed in: the password was right but the second factor is still due
   * (MFA_REQUIRED) or the account requires an enrolment first (MFA_ENROLMENT_REQUIRED). Such a session answers
   * only the MFA operations. Optional so code building whole sessions need not name it.
   */
  @Column({ name: 'mfa_pending', type: 'varchar', length: 32, nullable: true })
  mfaPending?: MfaPendingReason | null;

  /** The browser's User-Agent at sign-in (cut to 512 characters), shown as "Chrome on Windows" in the Sessions list. */
  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent?: string | null;

  /** The address the session signed in from, as Express sees it (`trust proxy`); null outside a request. */
  @Column({ name: 'ip', type: 'varchar', length: 45, nullable: true })
  ip?: string | null;

  /** The last request made with the session, written at most once a minute (lookup), so reads do not each cost a write. */
  @Column({ name: 'last_seen_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastSeenAt?: Date | null;

  @ManyToOne(() => PersonEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'person_id' })
  person?: PersonEntity;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'current_account_id' })
  currentAccount?: AccountEntity;
}
