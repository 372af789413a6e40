/** The auth feature's public entry: what other features and the roof may use. */
import type { ApiKeyService } from './api-keys/api-key.service.js';
import type { SessionService } from './session.service.js';

declare module '../core/context.js' {
  interface Services {
    sessions: SessionService;
    /** API keys: creation, revocation and `Authorization: Bearer` authentication. */
    apiKeys: ApiKeyService;
  }
}
