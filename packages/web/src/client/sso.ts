/**
 * Single sign-on, shared by the sign-in page and the invitation page: where SSO starts (a full-page visit: the server
 * sends the browser to the identity provider) and what each `sso_error` code the server comes back with means.
 */

/** The server route that starts SSO for an account (its slug, or a work email whose domain finds it) or an invitation. */
export function ssoStartUrl(start: { account?: string; invitation?: string; redirect?: string }): string {
  const query = new URLSearchParams();
  if (start.account) query.set('account', start.account.trim());
  if (start.invitation) query.set('invitation', start.invitation);
  if (start.redirect && start.redirect !== '/') query.set('redirect', start.redirect);
  return `/auth/sso/start?${query.toString()}`;
}

const MESSAGES: Record<string, string> = {
  SSO_NOT_CONFIGURED:
    'Single sign-on is not set up for that account or email domain. Check the address, enter your account name instead, or sign in with your password.',
  SSO_STATE_MISMATCH: 'The single sign-on took too long or was started in another browser. Please start again.',
  SSO_PROVIDER_UNAVAILABLE: 'Your identity provider could not be reached. Try again in a few minutes, or ask your administrator.',
  SSO_PROVIDER_REFUSED: 'Your identity provider did not sign you in (it was cancelled or refused). Please try again.',
  SSO_TOKEN_INVALID:
    "Your identity provider's answer could not be verified, so you were not signed in. Please try again; if it keeps happening, tell your administrator.",
  SSO_EMAIL_UNVERIFIED: 'Your identity provider did not confirm your email address. Ask your administrator to verify it there.',
  SSO_DOMAIN_NOT_ALLOWED:
    "Your identity provider signed you in with an account this MSP account's single sign-on does not accept. Use your work account.",
  SSO_NO_ACCESS:
    'You signed in at your identity provider, but that address has no access to this MSP account. Ask an administrator to invite you.',
  SSO_INVITATION_MISMATCH:
    'The invitation could not be accepted with that sign-in: use the work account the invitation was sent to, or ask for a new invitation.',
  SSO_TOO_MANY_ATTEMPTS: 'Too many single sign-on attempts from this network. Please wait a minute and try again.',
};

/** The sentence for an `sso_error` code, or null when there is none. */
export function ssoErrorMessage(code: unknown): string | null {
  if (typeof code !== 'string' || !code) return null;
  return MESSAGES[code] ?? 'Single sign-on did not complete. Please try again.';
}
