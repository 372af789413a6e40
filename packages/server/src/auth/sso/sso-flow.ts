import { LessThan, type DataSource } from 'typeorm';
import { AccountEntity } from '../../accounts/account.entity.js';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { PersonEntity } from '../../accounts/person.entity.js';
import { UserStatus } from '../../accounts/index.js';
import { recordAudit } from '../../audit/index.js';
import { normalizeEmail } from '../../core/db/columns.js';
import { inTransaction } from '../../core/db/transaction.js';
import { OutboundError, type OutboundHttp } from '../../core/http/outbound-http.js';
import type { Actor } from '../../core/viewer.js';
import type { SecretBox } from '../../integrations/index.js';
import type { InvitationService } from '../../invitations/index.js';
import type { OpenedSession, SessionService } from '../session.service.js';
import { hashToken } from '../tokens.js';
import { discover, oidc } from './oidc-client.js';
import { allowedDomainsOf, secretBinding } from './sso-connection.js';
import { SsoFailure } from './sso-failure.js';
import { SsoConnectionEntity, SsoFlowEntity, SsoSessionEntity } from './sso.entity.js';

/** How long the person may take at the identity provider. */
export const FLOW_TTL_MS = 10 * 60 * 1000;

export interface SsoFlowDeps {
  dataSource: DataSource;
  secretBox: SecretBox;
  http: OutboundHttp;
  sessions: SessionService;
  invitations: InvitationService;
  publicUrl: () => string;
  now: () => Date;
}

export interface StartRequest {
  /** An account's slug, or an email (its domain finds the account). */
  account?: string;
  /** An invitation token: accepting it through the inviting account's SSO. */
  invitation?: string;
  /** A path of Roster's to land on afterwards. */
  returnTo?: string;
}

/** Where to send the browser, and the `state` to keep in its cookie (which binds the sign-in to this browser). */
export interface StartedFlow {
  authorizationUrl: string;
  state: string;
}

export const callbackUrl = (publicUrl: string): string => `${publicUrl}/auth/sso/callback`;

/** Only paths of Roster's own (never another origin, never `//host`) are kept as the place to land. */
export function safeReturnTo(value: string | undefined): string | null {
  if (!value || value.length > 500 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  return value;
}

/** Sends the person to their account's identity provider (authorization code flow with PKCE, `state` and `nonce`). */
export async function startFlow(deps: SsoFlowDeps, request: StartRequest): Promise<StartedFlow> {
  const invitation = request.invitation ? await deps.invitations.acceptable(request.invitation) : null;
  if (request.invitation && !invitation) throw new SsoFailure('SSO_INVITATION_MISMATCH', 'the invitation cannot be accepted');
  const connection = invitation
    ? await deps.dataSource.getRepository(SsoConnectionEntity).findOneBy({ accountId: invitation.accountId })
    : await findConnection(deps.dataSource, request.account ?? '');
  if (!connection) throw new SsoFailure('SSO_NOT_CONFIGURED');

  let config: oidc.Configuration;
  try {
    config = await discoverFor(deps, connection);
  } catch (error) {
    if (error instanceof SsoFailure) await auditFailure(deps.dataSource, connection.accountId, error);
    throw error;
  }
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const now = deps.now();
  await deps.dataSource.getRepository(SsoFlowEntity).delete({ expiresAt: LessThan(now) });
  await deps.dataSource.getRepository(SsoFlowEntity).insert({
    stateHash: hashToken(state),
    accountId: connection.accountId,
    nonce,
    codeVerifier,
    sealedInvitation:
      request.invitation && invitation ? deps.secretBox.seal(request.invitation, flowInvitationBinding(hashToken(state))) : null,
    returnTo: safeReturnTo(request.returnTo),
    expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
  });
  const hint = invitation?.email ?? (request.account?.includes('@') ? request.account.trim() : undefined);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(deps.publicUrl()),
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...(hint ? { login_hint: hint } : {}),
  });
  return { authorizationUrl: url.href, state };
}

/** The account of a slug, or of an email's domain (when exactly one account's connection allows that domain). */
async function findConnection(dataSource: DataSource, hint: string): Promise<SsoConnectionEntity | null> {
  const value = hint.trim().toLowerCase();
  if (!value || value.length > 320) return null;
  const repo = dataSource.getRepository(SsoConnectionEntity);
  if (!value.includes('@')) {
    const account = await dataSource.getRepository(AccountEntity).findOne({ where: { slug: value }, select: { id: true } });
    return account ? repo.findOneBy({ accountId: account.id }) : null;
  }
  const domain = value.slice(value.lastIndexOf('@') + 1);
  const candidates = await repo
    .createQueryBuilder('c')
    .where('c.allowed_domains LIKE :pattern', { pattern: `%${JSON.stringify(domain).replace(/[%_]/g, '')}%` })
    .getMany();
  const matches = candidates.filter((c) => allowedDomainsOf(c).includes(domain));
  // Two accounts allowing one domain: the person names the account (its slug) instead.
  return matches.length === 1 ? matches[0]! : null;
}

/** How long an issuer's discovered metadata (and the signing keys openid-client keeps with it) is reused. */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;

const discoveries = new WeakMap<SsoFlowDeps, Map<string, { config: Promise<oidc.Configuration>; until: number }>>();

/**
 * The connection's provider configuration, discovered once per DISCOVERY_TTL_MS rather than on every start and callback
 * (two round trips to the provider per sign-in, and its signing keys fetched again each time). Keyed by the
 * connection's last save, so a changed issuer, client or secret is discovered afresh; a failed discovery is not kept.
 */
async function discoverFor(deps: SsoFlowDeps, connection: SsoConnectionEntity): Promise<oidc.Configuration> {
  let cache = discoveries.get(deps);
  if (!cache) discoveries.set(deps, (cache = new Map()));
  const key = `${connection.accountId} ${connection.updatedAt.getTime()}`;
  const now = deps.now().getTime();
  for (const [cached, entry] of cache) if (entry.until <= now) cache.delete(cached);
  let entry = cache.get(key);
  if (!entry) {
    const config = discover({
      issuer: connection.issuer,
      clientId: connection.clientId,
      clientSecret: deps.secretBox.open(connection.sealedClientSecret, secretBinding(connection.accountId)),
      http: deps.http,
    });
    cache.set(key, (entry = { config, until: now + DISCOVERY_TTL_MS }));
    config.catch(() => cache.delete(key));
  }
  try {
    return await entry.config;
  } catch (error) {
    throw new SsoFailure('SSO_PROVIDER_UNAVAILABLE', describe(error));
  }
}

export interface CompletedFlow {
  session: OpenedSession;
  returnTo: string | null;
}

/**
 * Finishes a sign-in: the flow is found by the `state` the provider sent back and must be the one this browser
 * started (its cookie), is used once, and the code is exchanged with the PKCE verifier; openid-client validates the
 * ID token (issuer, audience, expiry, nonce, signature). Then the verified email must be allowed and be an active
 * user of the account (or the invited email, for an invitation). Every failure after the flow is known is audited.
 */
export async function completeFlow(deps: SsoFlowDeps, currentUrl: URL, stateCookie: string | undefined): Promise<CompletedFlow> {
  const state = currentUrl.searchParams.get('state') ?? '';
  if (!state || state.length > 200) throw new SsoFailure('SSO_STATE_MISMATCH', 'no state in the answer');
  const stateHash = hashToken(state);
  const repo = deps.dataSource.getRepository(SsoFlowEntity);
  const flow = await repo.findOneBy({ stateHash });
  if (!flow) throw new SsoFailure('SSO_STATE_MISMATCH', 'unknown or used state');
  try {
    // Single use: whoever deletes the row owns the flow.
    const claimed = await repo.delete({ stateHash });
    if (!claimed.affected) throw new SsoFailure('SSO_STATE_MISMATCH', 'the sign-in was already used');
    if (!stateCookie || hashToken(stateCookie) !== stateHash)
      throw new SsoFailure('SSO_STATE_MISMATCH', 'the sign-in was started in another browser');
    if (flow.expiresAt.getTime() < deps.now().getTime()) throw new SsoFailure('SSO_STATE_MISMATCH', 'the sign-in took too long');
    const providerError = currentUrl.searchParams.get('error');
    if (providerError) throw new SsoFailure('SSO_PROVIDER_REFUSED', providerError.slice(0, 100));

    const connection = await deps.dataSource.getRepository(SsoConnectionEntity).findOneBy({ accountId: flow.accountId });
    if (!connection) throw new SsoFailure('SSO_NOT_CONFIGURED', 'the connection was removed during the sign-in');
    const config = await discoverFor(deps, connection);
    let claims: oidc.IDToken;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims()!;
    } catch (error) {
      const unreachable = error instanceof OutboundError || (error as { cause?: unknown }).cause instanceof OutboundError;
      throw new SsoFailure(unreachable ? 'SSO_PROVIDER_UNAVAILABLE' : 'SSO_TOKEN_INVALID', describe(error));
    }
    const email = verifiedEmail(connection, claims);
    const invitationToken = flow.sealedInvitation ? deps.secretBox.open(flow.sealedInvitation, flowInvitationBinding(stateHash)) : null;
    const session = invitationToken
      ? await acceptInvitation(deps, flow.accountId, invitationToken, email, claims)
      : await signInMember(deps, flow.accountId, email);
    await inTransaction(deps.dataSource, async (manager) => {
      await manager.insert(SsoSessionEntity, { sessionId: session.viewer.sessionId!, accountId: flow.accountId });
      await recordAudit(manager, flow.accountId, { type: 'PERSON', id: session.viewer.personId }, [
        { action: 'sso.signed_in', targetId: session.viewer.membershipId, targetEmail: email, details: { invitation: !!invitationToken } },
      ]);
    });
    return { session, returnTo: flow.returnTo };
  } catch (error) {
    if (error instanceof SsoFailure) await auditFailure(deps.dataSource, flow.accountId, error);
    throw error;
  }
}

/** The email the provider vouches for, checked against the connection's rules. */
function verifiedEmail(connection: SsoConnectionEntity, claims: oidc.IDToken): string {
  const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : '';
  if (!email.includes('@')) throw new SsoFailure('SSO_EMAIL_UNVERIFIED', 'no email claim');
  // Entra ID does not send email_verified; its `xms_edov` says the email's domain is verified by the tenant.
  const verified = claims.email_verified === true || (connection.provider === 'ENTRA_ID' && claims.xms_edov === true);
  if (!verified) throw new SsoFailure('SSO_EMAIL_UNVERIFIED', 'email_verified is not true', email);
  const domains = allowedDomainsOf(connection);
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!domains.includes(domain)) throw new SsoFailure('SSO_DOMAIN_NOT_ALLOWED', `domain ${domain}`, email);
  if (connection.provider === 'ENTRA_ID' && claims.tid !== connection.tenantId)
    throw new SsoFailure('SSO_DOMAIN_NOT_ALLOWED', `tid ${String(claims.tid).slice(0, 64)} is not the connection's tenant`, email);
  if (connection.provider === 'GOOGLE' && (typeof claims.hd !== 'string' || !domains.includes(claims.hd.toLowerCase())))
    throw new SsoFailure('SSO_DOMAIN_NOT_ALLOWED', `hd ${String(claims.hd ?? 'absent').slice(0, 64)}`, email);
  return email;
}

async function signInMember(deps: SsoFlowDeps, accountId: string, email: string): Promise<OpenedSession> {
  const person = await deps.dataSource.getRepository(PersonEntity).findOneBy({ email });
  const membership = person
    ? await deps.dataSource.getRepository(MembershipEntity).findOneBy({ personId: person.id, accountId, status: UserStatus.ACTIVE })
    : null;
  if (!person || !membership) throw new SsoFailure('SSO_NO_ACCESS', 'no active user with that email', email);
  // A second factor enrolled in Roster is still asked (MFA_REQUIRED), as after a password.
  return deps.sessions.openSession(person.id, membership);
}

async function acceptInvitation(
  deps: SsoFlowDeps,
  accountId: string,
  token: string,
  email: string,
  claims: oidc.IDToken,
): Promise<OpenedSession> {
  const invitation = await deps.invitations.acceptable(token);
  if (!invitation || invitation.accountId !== accountId)
    throw new SsoFailure('SSO_INVITATION_MISMATCH', 'invitation no longer valid', email);
  if (normalizeEmail(invitation.email) !== email)
    throw new SsoFailure('SSO_INVITATION_MISMATCH', `invited ${invitation.email}, signed in as ${email}`, email);
  const name = typeof claims.name === 'string' ? claims.name : null;
  try {
    const { personId, membership } = await deps.invitations.accept(token, { name, verifiedBySso: true }, null);
    return await deps.sessions.openSession(personId, membership);
  } catch (error) {
    throw new SsoFailure('SSO_INVITATION_MISMATCH', describe(error), email);
  }
}

async function auditFailure(dataSource: DataSource, accountId: string, failure: SsoFailure): Promise<void> {
  const person = failure.email ? await dataSource.getRepository(PersonEntity).findOneBy({ email: failure.email }) : null;
  const actor: Actor = person ? { type: 'PERSON', id: person.id } : { type: 'SYSTEM', id: null };
  await inTransaction(dataSource, (manager) =>
    recordAudit(manager, accountId, actor, [
      { action: 'sso.failed', targetEmail: failure.email, details: { reason: failure.code, detail: failure.detail } },
    ]),
  );
}

/** The error's message and its causes' (openid-client wraps the precise reason: 'unexpected JWT "aud" claim value'). */
function describe(error: unknown): string {
  const messages: string[] = [];
  for (let current = error, depth = 0; current && depth < 3; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof Error) messages.push(current.message);
  }
  return (messages.join(': ') || String(error)).slice(0, 300);
}

/** What a flow's sealed invitation token is bound to: its row's state hash, so it opens only for that flow. */
export function flowInvitationBinding(stateHash: string): string {
  return `sso-flow:${stateHash}`;
}
