import { OutboundError, type OutboundFailure, type OutboundHttp } from '../core/http/outbound-http.js';

export interface PostResult {
  /** HTTP status, or null when no answer came. */
  status: number | null;
  /** The first characters of the answer, shown in the endpoint's delivery log (the receiver is the admin's own). */
  bodyExcerpt: string | null;
  durationMs: number;
  /** Why no answer came (timeout, refused, blocked address). */
  error: string | null;
  /** Why no answer came: REFUSED means no retry can help; ABORTED that the worker gave the delivery up (shutting down). */
  failure: OutboundFailure | null;
}

const EXCERPT_CHARS = 1000;
/** More than this is not read: a receiver answering with a huge body does not cost us memory. */
const MAX_READ_BYTES = 16 * 1024;

/** POSTs a JSON body through the outbound client; never throws: every outcome, including timeouts and refused addresses, is a result. */
export async function postJson(
  http: OutboundHttp,
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await http.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      maxResponseBytes: MAX_READ_BYTES,
      truncate: true,
    });
    const text = (await response.text()).slice(0, EXCERPT_CHARS);
    return { status: response.status, bodyExcerpt: text || null, durationMs: elapsed(), error: null, failure: null };
  } catch (error) {
    const failure = error instanceof OutboundError ? error : new OutboundError('UNREACHABLE', (error as Error).message);
    const refused = failure.failure === 'REFUSED';
    return {
      status: null,
      bodyExcerpt: null,
      durationMs: elapsed(),
      error: refused ? `Refused: ${failure.message}` : failure.message.slice(0, 500),
      failure: failure.failure,
    };
  }
}
