import type { RouteLocationRaw, Router } from 'vue-router';
import type { Session } from './session';
import type { UnauthenticatedEvent } from './unauthenticated';

/** Where a missing or ended session sends the person, and where they may be sent back to after signing in. */
export const HOME_PATH = '/users';

/** Only same-app paths: never an absolute URL or a protocol-relative one (open redirects). */
export function safeRedirect(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return HOME_PATH;
  }
  if (value === '/sign-in' || value.startsWith('/sign-in?')) return HOME_PATH;
  return value;
}

export function signInLocation(fromPath: string, reason?: string): RouteLocationRaw {
  const query: Record<string, string> = {};
  if (fromPath !== '/' && fromPath !== HOME_PATH && !fromPath.startsWith('/sign-in')) query.redirect = fromPath;
  if (reason === 'SESSION_EXPIRED') query.reason = 'expired';
  // The live-updates socket was closed because the session was signed out (here or in another tab).
  if (reason === 'SIGNED_OUT') query.reason = 'signed-out';
  return { name: 'sign-in', query };
}

/** What the Apollo error link does when the API says the session is gone. */
export function handleUnauthenticated(router: Router, session: Session, event: UnauthenticatedEvent): void {
  session.clear();
  const current = router.currentRoute.value;
  // Public pages (sign-in, an invitation link) handle a missing session themselves.
  if (current.name === 'sign-in' || current.meta.public) return;
  void router.replace(signInLocation(current.fullPath, event.reason));
}
