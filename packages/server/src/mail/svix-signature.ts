import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signatures older or newer than this are refused, so a captured request cannot be replayed later. */
const TOLERANCE_SECONDS = 5 * 60;

export interface SvixHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Signs like Svix (and so Resend) does: base64 HMAC-SHA256 of `id.timestamp.body` with the decoded secret. */
export function svixSign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Why a webhook is refused, or null when its signature is valid and fresh. */
export function svixVerify(secret: string, headers: SvixHeaders, body: string, nowSeconds = Math.floor(Date.now() / 1000)): string | null {
  if (!headers.id || !headers.timestamp || !headers.signature) return 'missing svix-id, svix-timestamp or svix-signature header';
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp)) return 'invalid svix-timestamp';
  if (Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) return 'timestamp outside the 5-minute tolerance';
  const expected = Buffer.from(svixSign(secret, headers.id, timestamp, body).slice(3), 'base64');
  for (const candidate of headers.signature.split(' ')) {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return 'no matching signature';
}
