import { describeStatus, OutboundError, type OutboundRequest } from '../../core/http/outbound-http.js';
import { ConnectorError, type ConnectorEnvironment } from './connector.js';

/** A throttled request is retried this many times, each after the Retry-After the platform sends. */
export const MAX_THROTTLE_RETRIES = 5;
/** A request that failed at the network level is tried again this many times before UNREACHABLE. */
const MAX_NETWORK_RETRIES = 2;
/** Cap on one Retry-After wait, so a confused server cannot park a run for hours. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Sends a request to an outside platform through the one outbound client (public https addresses only, a
 * deadline per request, the run's abort signal): connection failures are retried twice, then become
 * UNREACHABLE; a request that got no answer within its deadline is UNREACHABLE at once (a hung server stays
 * hung); 429 (or 503) answers are retried after their Retry-After (seconds or an HTTP date; exponential
 * without one), at most MAX_THROTTLE_RETRIES times before RATE_LIMITED. `init` is rebuilt per attempt so
 * headers can change. When the environment's signal aborts (run cancelled, lease lost, shutting down), the
 * OutboundError ABORTED is thrown as is: the caller decides what an abandoned run becomes.
 */
export async function sendWithRetry(
  env: ConnectorEnvironment,
  vendor: string,
  url: string,
  init: () => Promise<OutboundRequest> | OutboundRequest,
  /** Answers other than 429/503 that also mean "slow down" (Google's 403 rateLimitExceeded); may read a clone of the body. */
  throttled?: (response: Response) => Promise<boolean>,
): Promise<Response> {
  let networkRetries = 0;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await env.http.fetch(url, { ...(await init()), signal: env.signal });
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      if (!(error instanceof OutboundError)) throw error;
      if (error.failure === 'ABORTED') throw error;
      if (error.failure === 'REFUSED') throw new ConnectorError('ADDRESS_NOT_ALLOWED', `${vendor} was not called: ${error.message}`);
      if (error.failure === 'TIMEOUT') throw new ConnectorError('UNREACHABLE', `${vendor} did not answer in time: ${error.message}`);
      if (error.failure === 'TOO_LARGE')
        throw new ConnectorError('UPSTREAM_ERROR', `${vendor} answered with more data than Roster reads: ${error.message}`);
      // A kept-alive connection the server closed while a long page was being applied fails at once: retry on a
      // fresh one. These requests are reads (and the token request), so repeating them is safe.
      if (networkRetries < MAX_NETWORK_RETRIES) {
        networkRetries++;
        attempt--;
        await pause(env, 250 * networkRetries);
        continue;
      }
      throw new ConnectorError('UNREACHABLE', `${vendor} could not be reached: ${error.message}`);
    }
    if (response.status !== 429 && response.status !== 503 && !(await throttled?.(response))) return response;
    if (attempt >= MAX_THROTTLE_RETRIES)
      throw new ConnectorError('RATE_LIMITED', `${vendor} kept throttling the requests; the sync will try again later.`);
    await pause(env, retryAfterMs(response.headers.get('retry-after'), attempt));
  }
}

/** Waits, unless the run is abandoned meanwhile. */
async function pause(env: ConnectorEnvironment, ms: number): Promise<void> {
  const signal = env.signal;
  if (!signal) return env.sleep(ms);
  signal.throwIfAborted();
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([env.sleep(ms), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function retryAfterMs(header: string | null, attempt: number): number {
  const seconds = header && /^\d+$/.test(header.trim()) ? Number(header) : header ? (Date.parse(header) - Date.now()) / 1000 : NaN;
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 2 ** attempt * 1000;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * The answer's JSON. A body that is not JSON fails as UPSTREAM_ERROR without quoting it (a parser's message
 * would: it may be an internal page, or echo what was sent).
 */
export async function readJson<T>(response: Response, vendor: string): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch {
    throw new ConnectorError('UPSTREAM_ERROR', `${vendor} answered ${response.status} with something that is not JSON.`);
  }
}

/** The JSON of an error answer for picking a hint, or {} when it is not JSON; never for quoting. */
export async function errorJson<T extends object>(response: Response): Promise<Partial<T>> {
  return ((await response.json().catch(() => ({}))) ?? {}) as Partial<T>;
}

/** "X answered 500 (a server error)": what an error answer means, from its status alone. */
export function answered(vendor: string, status: number): string {
  return `${vendor} answered ${status} (${describeStatus(status)})`;
}

/**
 * A next-page link from the platform, followed only on the origin the connector started from: the request
 * carries the credentials, so a link elsewhere would hand them to another server.
 */
export function sameOriginLink(link: string, base: string, vendor: string): string {
  let url: URL;
  try {
    url = new URL(link, base);
  } catch {
    throw new ConnectorError('UPSTREAM_ERROR', `${vendor} sent a next-page link that is not a URL.`);
  }
  if (url.origin !== new URL(base).origin)
    throw new ConnectorError('UPSTREAM_ERROR', `${vendor} sent a next-page link to another server; it was not followed.`);
  return url.toString();
}

/** The `page` query parameter of a paged URL (1 when absent). */
export function pageOf(url: string): number {
  return Number(new URL(url).searchParams.get('page') ?? 1) || 1;
}

/** The same URL asking for another `page`. */
export function withPage(url: string, page: number): string {
  const next = new URL(url);
  next.searchParams.set('page', String(page));
  return next.toString();
}
