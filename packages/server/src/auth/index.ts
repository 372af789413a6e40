/** The auth feature's public entry: sessions, API keys, cookies, passwords and tokens that other features use. */
import type { ApiKeyService } from './api-keys/api-key.service.js';
import type { SessionService } from './session.service.js';
import type { MfaService } from './mfa/mfa.service.js';
import type { SsoService } from './sso/sso.service.js';

declare module '../core/context.js' {
  interface Services {
    sessions: SessionService;
    /** API keys: creation, revocation and `Authorization: Bearer` authentication. */
    apiKeys: ApiKeyService;
    /** Second factors: TOTP, recovery codes, passkeys, and an administrator's reset. */
    mfa: MfaService;
    /** Single sign-on (OpenID Connect): an account's connection, the sign-in flow, SSO-only and confinement rules. */
    sso: SsoService;
  }
}

// Used by other features.
export { describeViewer } from './auth.resolver.js';
export { readCookie, SESSION_COOKIE } from './cookies.js';
export { hashPassword, verifyPassword } from './password.js';
export { hashToken, newSecretToken } from './tokens.js';
export { passwordRefusedIn } from './sso/sso-only.js';
