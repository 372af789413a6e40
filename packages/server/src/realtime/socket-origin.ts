import type http from 'node:http';
import { readCookie, SESSION_COOKIE } from '../auth/index.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a WebSocket upgrade may open. Browsers attach the session cookie to a WebSocket opened by any
 * page of the same site (SameSite=Lax lets a sibling subdomain's page do it), and WebSockets have no CORS
 * or CSRF preflight: the Origin header is the only sign of who opened it. So an upgrade carrying the session
 * cookie must come from PUBLIC_URL's origin. Upgrades without the cookie (API keys, or nothing) are not
 * forgeable with someone else's session and stay open to any origin; a client without Origin is not a browser.
 * Outside production, loopback origins are trusted too: the Vite dev server (:5173) proxies the dashboard's socket.
 */
export function socketOriginAllowed(request: http.IncomingMessage, publicUrl: string, production: boolean): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (readCookie(request.headers.cookie, SESSION_COOKIE) === undefined) return true;
  if (origin === new URL(publicUrl).origin) return true;
  if (production) return false;
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && url.origin === origin;
  } catch {
    return false;
  }
}
