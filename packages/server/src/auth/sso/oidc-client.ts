import * as oidc from 'openid-client';
import type { OutboundHttp } from '../../core/http/outbound-http.js';

/**
 * openid-client (discovery, PKCE, the code grant and ID-token validation) speaking through Roster's one outbound
 * client: the issuer URL comes from an administrator, so the request-forgery rule (https, public addresses only,
 * unless OUTBOUND_ALLOW_PRIVATE_NETWORKS) and the deadlines apply to every call it makes.
 */
export function outboundFetch(http: OutboundHttp): oidc.CustomFetch {
  return async (url, options) => {
    const body = options.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof URLSearchParams))
      throw new TypeError('Only text and form bodies are sent to identity providers.');
    return http.fetch(url, {
      method: options.method,
      headers: options.headers,
      body: body === undefined || body === null ? undefined : body.toString(),
      signal: options.signal,
    });
  };
}

export interface DiscoverOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  http: OutboundHttp;
}

/**
 * Reads the issuer's metadata (`/.well-known/openid-configuration`; its `issuer` must equal the one asked for).
 * ID tokens are also checked against the issuer's signing keys (non-repudiation), not only trusted for coming over TLS.
 */
export async function discover(options: DiscoverOptions): Promise<oidc.Configuration> {
  const execute: Array<(config: oidc.Configuration) => void> = [oidc.enableNonRepudiationChecks];
  // Plain http only where the outbound rule allows it (development and tests); production issuers are https.
  if (options.http.allowsPrivateNetworks) execute.push(oidc.allowInsecureRequests);
  return oidc.discovery(
    new URL(options.issuer),
    options.clientId,
    { client_secret: options.clientSecret, id_token_signed_response_alg: 'RS256' },
    oidc.ClientSecretPost(options.clientSecret),
    { [oidc.customFetch]: outboundFetch(options.http), execute, timeout: 15 },
  );
}

export { oidc };
