import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../../core/db/columns.js';
import { PersonEntity } from '../../accounts/person.entity.js';

export type MfaFactorKind = 'TOTP' | 'WEBAUTHN';

/**
 * A second factor of a person (global, like the password): an authenticator app (TOTP) or a passkey / security key.
 * A TOTP secret is sealed (AES-256-GCM, bound to the factor id) and never answered by the API.
 */
@Entity({ name: 'mfa_factors' })
@Index('ix_mfa_factors_person', ['personId'])
export class MfaFactorEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'person_id', type: 'varchar', length: 36 })
  personId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: MfaFactorKind;

  /** What the person calls it ("Authenticator app", "YubiKey"). */
  @Column({ type: 'varchar', length: 100 })
  label!: string;

  /** TOTP: the base32 secret, sealed. */
  @Column({ name: 'sealed_secret', type: 'text', nullable: true })
  sealedSecret!: string | null;

  /** TOTP: the last time step accepted, so a code is never accepted twice. */
  @Column({ name: 'last_time_step', type: 'int', nullable: true })
  lastTimeStep!: number | null;

  /** WebAuthn: the credential id (base64url), unique across Roster so a passkey names its owner. */
  @Column({ name: 'credential_id', type: 'varchar', length: 512, nullable: true, unique: true })
  credentialId!: string | null;

  /** WebAuthn: the COSE public key (base64url). */
  @Column({ name: 'public_key', type: 'text', nullable: true })
  publicKey!: string | null;

  @Column({ name: 'sign_count', type: 'int', default: 0 })
  signCount!: number;

  /** Space-separated WebAuthn transports the authenticator reported (usb, internal, hybrid...). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  transports!: string | null;

  /** Null while a TOTP enrolment waits for its first code; unconfirmed factors never sign anyone in. */
  @Column({ name: 'confirmed_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  confirmedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastUsedAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @ManyToOne(() => PersonEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'person_id' })
  person?: PersonEntity;
}

/** A one-time recovery code: only its SHA-256 is stored; `usedAt` is set by the one sign-in that spends it. */
@Entity({ name: 'mfa_recovery_codes' })
@Index('ix_mfa_recovery_codes_person', ['personId'])
export class MfaRecoveryCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'person_id', type: 'varchar', length: 36 })
  personId!: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @ManyToOne(() => PersonEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'person_id' })
  person?: PersonEntity;
}

/** A WebAuthn challenge handed out for one registration or sign-in ceremony; spent (deleted) by its answer, or expired. */
@Entity({ name: 'webauthn_challenges' })
export class WebAuthnChallengeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  challenge!: string;

  /** Registration, or sign-in as a known person (second factor); null for a usernameless passkey sign-in. */
  @Column({ name: 'person_id', type: 'varchar', length: 36, nullable: true })
  personId!: string | null;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, transformer: utcDate })
  expiresAt!: Date;
}
