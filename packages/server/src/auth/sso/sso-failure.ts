/**
 * Why an SSO sign-in did not happen. The sign-in page turns the code into a sentence saying what to do. None tells a
 * stranger whether an email has a Roster sign-in: the codes after the provider's answer are only ever seen by the
 * person the provider signed in (they proved they own that email).
 */
export type SsoFailureCode =
  /** No SSO connection for that account or email domain. */
  | 'SSO_NOT_CONFIGURED'
  /** The sign-in was not started in this browser, was already used, or took longer than 10 minutes. */
  | 'SSO_STATE_MISMATCH'
  /** The identity provider could not be reached (discovery or the token exchange). */
  | 'SSO_PROVIDER_UNAVAILABLE'
  /** The provider answered with an error (the person cancelled, or it refused the request). */
  | 'SSO_PROVIDER_REFUSED'
  /** The ID token did not pass validation (audience, nonce, expiry, issuer, signature). */
  | 'SSO_TOKEN_INVALID'
  /** The provider did not say the email is verified. */
  | 'SSO_EMAIL_UNVERIFIED'
  /** The email's domain (or Google's `hd`, or Entra ID's `tid`) is not one the connection allows. */
  | 'SSO_DOMAIN_NOT_ALLOWED'
  /** The verified email is not an active user of this account. */
  | 'SSO_NO_ACCESS'
  /** The verified email is not the one the invitation was sent to, or the invitation can no longer be used. */
  | 'SSO_INVITATION_MISMATCH'
  /** Too many SSO sign-ins started from this address in a minute. */
  | 'SSO_TOO_MANY_ATTEMPTS';

export class SsoFailure extends Error {
  constructor(
    readonly code: SsoFailureCode,
    /** For the audit trail only (never shown to the person): what exactly failed. */
    readonly detail: string | null = null,
    readonly email: string | null = null,
  ) {
    super(`${code}${detail ? `: ${detail}` : ''}`);
    this.name = 'SsoFailure';
  }
}
