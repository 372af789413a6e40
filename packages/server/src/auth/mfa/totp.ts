import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

/** Authenticator apps show this as the account's issuer. */
export const TOTP_ISSUER = 'Roster';

/** A new base32 secret (20 random bytes, RFC 4226's recommendation), the otpauth:// URI and its QR code as SVG. */
export async function newTotpEnrolment(label: string): Promise<{ secret: string; uri: string; qrCodeSvg: string }> {
  const secret = generateSecret();
  const uri = generateURI({ issuer: TOTP_ISSUER, label, secret });
  const qrCodeSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, uri, qrCodeSvg };
}

/**
 * Checks a 6-digit code (RFC 6238: SHA-1, 30 s steps, one step of clock drift either way). Answers the accepted
 * time step, or null; a step at or before `afterTimeStep` (the last one accepted) is refused, so a code seen once
 * cannot be replayed.
 */
export async function verifyTotpCode(secret: string, code: string, afterTimeStep: number | null, nowMs: number): Promise<number | null> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: 30,
    ...(afterTimeStep != null ? { afterTimeStep } : {}),
  });
  return result.valid && 'timeStep' in result && typeof result.timeStep === 'number' ? result.timeStep : null;
}

/** Recovery codes handed out at once; each signs in once. */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code: two groups of five unambiguous characters (~49 bits), e.g. "k7m2p-x9qaz". */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Only this is stored: the SHA-256 of the code without its dash, spaces or letter case. */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(code), 'utf8').digest('hex');
}

export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, '');
}

/** A recovery code has ten characters from the alphabet once dashes and spaces are gone; a TOTP code has six digits. */
export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normalizeRecoveryCode(code));
}
