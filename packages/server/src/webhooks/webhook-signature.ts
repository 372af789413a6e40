import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'rwhsec_';

/** A new signing secret: `rwhsec_` and 32 random bytes; the HMAC key is the whole string as UTF-8. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** `v1=` and the hex HMAC-SHA256 of `{id}.{timestamp}.{body}` (documented in the README for receivers). */
export function signDelivery(secret: string, id: string, timestamp: number, body: string): string {
  return 'v1=' + createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('hex');
}
