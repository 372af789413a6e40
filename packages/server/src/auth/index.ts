/** The auth feature's public entry: sessions, API keys, cookies, passwords and tokens that other features use. */
import type { ApiKeyService } from './api-keys/api-key.service.js';
import type { SessionService } from './session.service.js';

declare module '../core/context.js' {
  interface Services {
    sessions: SessionService;
    /** API keys: creation, revocation and `Authorization: Bearer` authentication. */
    apiKeys: ApiKeyService;
  }
}

// Used by other features.
export { describeViewer } from './auth.resolver.js';
export { readCookie, SESSION_COOKIE } from './cookies.js';
export { hashPassword, verifyPassword } from './password.js';
export { hashToken, newSecretToken } from './tokens.js';
