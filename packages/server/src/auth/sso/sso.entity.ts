import { Column, Entity, Index, JoinColumn, ManyToOne, OneToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../../core/db/columns.js';
import { AccountEntity } from '../../accounts/account.entity.js';
import { SessionEntity } from '../session.entity.js';

export type SsoProviderKind = 'ENTRA_ID' | 'GOOGLE' | 'CUSTOM';

/**
 * An account's OpenID Connect connection (at most one per account). The client secret is sealed like every
 * credential (AES-256-GCM, bound to `sso:<account id>`) and never answered by the API.
 */
@Entity({ name: 'sso_connections' })
export class SsoConnectionEntity {
  @PrimaryColumn({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 16 })
  provider!: SsoProviderKind;

  /** The issuer discovery starts from (a preset fills it: Entra ID's tenant issuer, Google's). */
  @Column({ type: 'varchar', length: 500 })
  issuer!: string;

  /** Entra ID: the directory (tenant) id the `tid` claim must name. */
  @Column({ name: 'tenant_id', type: 'varchar', length: 100, nullable: true })
  tenantId!: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ name: 'sealed_client_secret', type: 'text' })
  sealedClientSecret!: string;

  /** JSON array of lower-case domains; a verified email must end in one of them. */
  @Column({ name: 'allowed_domains', type: 'text' })
  allowedDomains!: string;

  /** Password (and passkey) sign-in is refused for the account's members other than owners. */
  @Column({ name: 'sso_only', type: 'boolean', default: false })
  ssoOnly!: boolean;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3, transformer: utcDate })
  updatedAt!: Date;

  @OneToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}

/**
 * A sign-in started at the identity provider and not yet back: PKCE verifier, nonce, where it was started for.
 * Keyed by the SHA-256 of `state`, which only the starting browser holds (in a cookie); deleted when used (single use).
 */
@Entity({ name: 'sso_flows' })
@Index('ix_sso_flows_expires', ['expiresAt'])
export class SsoFlowEntity {
  @PrimaryColumn({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 100 })
  nonce!: string;

  @Column({ name: 'code_verifier', type: 'varchar', length: 100 })
  codeVerifier!: string;

  /** An invitation accepted through SSO: its token, sealed (it is a credential). */
  @Column({ name: 'sealed_invitation', type: 'text', nullable: true })
  sealedInvitation!: string | null;

  /** Where the dashboard goes afterwards (a path of Roster's own). */
  @Column({ name: 'return_to', type: 'varchar', length: 500, nullable: true })
  returnTo!: string | null;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, transformer: utcDate })
  expiresAt!: Date;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}

/**
 * A session opened by SSO is confined to the account whose identity provider vouched for the person: switching to
 * another account needs that account's own sign-in (another account's administrator chose this provider, not theirs).
 */
@Entity({ name: 'sso_sessions' })
export class SsoSessionEntity {
  @PrimaryColumn({ name: 'session_id', type: 'varchar', length: 36 })
  sessionId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @OneToOne(() => SessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: SessionEntity;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}
