import { ConnectorError, type ConnectorEnvironment } from './connector.js';

/** A throttled request is retried this many times, each after the Retry-After the platform sends. */
export const MAX_THROTTLE_RETRIES = 5;
/** A request that failed at the network level is tried again this many times before UNREACHABLE. */
const MAX_NETWORK_RETRIES = 2;
/** Cap on one Retry-After wait, so a confused server cannot park a run for hours. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Sends a request to an outside platform: network failures are retried twice, then become UNREACHABLE; 429 (or 503) answers are
 * retried after their Retry-After (seconds or an HTTP date; exponential without one), at most
 * MAX_THROTTLE_RETRIES times before RATE_LIMITED. `init` is rebuilt per attempt so headers can change.
 */
export async function sendWithRetry(env: ConnectorEnvironment, vendor: string, url: string, init: () => Promise<RequestInit> | RequestInit): Promise<Response> {
  let networkRetries = 0;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await env.fetch(url, { ...(await init()), signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      // A kept-alive connection the server closed while a long page was being applied fails at once: retry on a
      // fresh one. These requests are reads (and the token request), so repeating them is safe.
      if (networkRetries < MAX_NETWORK_RETRIES) {
        networkRetries++;
        attempt--;
        await env.sleep(250 * networkRetries);
        continue;
      }
      throw new ConnectorError('UNREACHABLE', `${vendor} could not be reached at ${new URL(url).origin}: ${(error as Error).message}`);
    }
    if (response.status !== 429 && response.status !== 503) return response;
    if (attempt >= MAX_THROTTLE_RETRIES) throw new ConnectorError('RATE_LIMITED', `${vendor} kept throttling the requests; the sync will try again later.`);
    await response.body?.cancel();
    await env.sleep(retryAfterMs(response.headers.get('retry-after'), attempt));
  }
}

export function retryAfterMs(header: string | null, attempt: number): number {
  const seconds = header && /^\d+$/.test(header.trim()) ? Number(header) : header ? (Date.parse(header) - Date.now()) / 1000 : NaN;
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 2 ** attempt * 1000;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
