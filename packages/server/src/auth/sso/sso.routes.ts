import type express from 'express';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Services } from '../../core/context.js';
import type { Logger } from '../../core/logger.js';
import { withRequestScope } from '../../audit/index.js';
import { readCookie, serializeSessionCookie } from '../cookies.js';
import { FLOW_TTL_MS } from './sso-flow.js';
import { SsoFailure } from './sso-failure.js';

/** Holds the sign-in's `state` in the browser that started it (login CSRF: a callback from another browser is refused). */
export const SSO_STATE_COOKIE = 'roster_sso_state';

function stateCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [
    `${SSO_STATE_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/auth/sso',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

const param = (value: unknown): string | undefined => (typeof value === 'string' && value.length <= 1000 ? value : undefined);

/** SSO sign-ins an address may start per minute. */
export const SSO_STARTS_PER_MINUTE_PER_IP = 30;

export interface SsoRouteOptions {
  /** Counts the SSO sign-ins an address starts per minute (default: 30 in this process's memory). */
  startsPerIp?: RateLimiterAbstract;
}

/**
 * `GET /auth/sso/start?account=<slug or email>` (or `?invitation=<token>`) sends the browser to the account's identity
 * provider; `GET /auth/sso/callback` is where it comes back. Success lands on the dashboard (or the second factor,
 * which the dashboard asks for itself); a failure lands on the sign-in page (or the invitation) with `sso_error=<code>`.
 */
export function mountSsoRoutes(app: express.Express, services: Services, logger: Logger, options: SsoRouteOptions = {}): void {
  const secure = () => services.config.publicUrl.startsWith('https:');
  // Each start writes a row and calls the provider: an address may start a bounded number per minute.
  const starts = options.startsPerIp ?? new RateLimiterMemory({ points: SSO_STARTS_PER_MINUTE_PER_IP, duration: 60 });

  app.get('/auth/sso/start', withRequestScope, async (req, res) => {
    const invitation = param(req.query.invitation);
    const returnTo = param(req.query.redirect);
    try {
      await starts.consume(req.ip ?? 'unknown').catch(() => {
        throw new SsoFailure('SSO_TOO_MANY_ATTEMPTS');
      });
      const started = await services.sso.start({ account: param(req.query.account), invitation, returnTo });
      res.append('Set-Cookie', stateCookie(started.state, FLOW_TTL_MS / 1000, secure()));
      res.redirect(302, started.authorizationUrl);
    } catch (error) {
      res.redirect(302, failurePage(error, invitation, logger));
    }
  });

  app.get('/auth/sso/callback', withRequestScope, async (req, res) => {
    const cookie = readCookie(req.headers.cookie, SSO_STATE_COOKIE);
    res.append('Set-Cookie', stateCookie('', 0, secure()));
    const currentUrl = new URL(req.originalUrl, `${services.config.publicUrl}/`);
    try {
      const { session, returnTo } = await services.sso.complete(currentUrl, cookie);
      res.append('Set-Cookie', serializeSessionCookie(session.token, { maxAgeSeconds: services.sessions.ttlSeconds, secure: secure() }));
      // A half-signed-in session (second factor due) is sent on by the dashboard's router, as after a password.
      res.redirect(302, returnTo ?? '/');
    } catch (error) {
      res.redirect(302, failurePage(error, undefined, logger));
    }
  });
}

function failurePage(error: unknown, invitation: string | undefined, logger: Logger): string {
  const code = error instanceof SsoFailure ? error.code : 'SSO_PROVIDER_UNAVAILABLE';
  if (!(error instanceof SsoFailure)) logger.error('SSO sign-in failed unexpectedly', error);
  const query = `sso_error=${encodeURIComponent(code)}`;
  return invitation && /^[A-Za-z0-9_-]{1,100}$/.test(invitation) ? `/invitations/${invitation}?${query}` : `/sign-in?${query}`;
}
