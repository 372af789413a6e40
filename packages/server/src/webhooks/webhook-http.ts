import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './url-guard.js';

export interface PostResult {
  /** HTTP status, or null when no answer came. */
  status: number | null;
  /** The first characters of the answer. */
  bodyExcerpt: string | null;
  durationMs: number;
  /** Why no answer came (timeout, refused, blocked address). */
  error: string | null;
}

const EXCERPT_CHARS = 1000;
/** More than this is not read: a receiver answering with a huge body does not cost us memory. */
const MAX_READ_BYTES = 16 * 1024;

/** POSTs a JSON body; never throws: every outcome, including timeouts and refused addresses, is a result. */
export function postJson(url: URL, headers: Record<string, string>, body: string, options: { timeoutMs: number; allowPrivateNetworks: boolean }): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...result, durationMs: elapsed() });
    };
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Roster-Webhooks/1', 'content-length': Buffer.byteLength(body), ...headers },
        lookup: guardedLookup(options.allowPrivateNetworks),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          if (read < MAX_READ_BYTES) chunks.push(chunk);
          read += chunk.length;
          if (read >= MAX_READ_BYTES) response.destroy();
        });
        const done = () => finish({ status: response.statusCode ?? null, bodyExcerpt: Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS) || null, error: null });
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    // One deadline for connecting, sending and reading the answer.
    const deadline = setTimeout(() => {
      request.destroy();
      finish({ status: null, bodyExcerpt: null, error: `No answer within ${options.timeoutMs / 1000} s.` });
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({ status: null, bodyExcerpt: null, error: error.code === 'EWEBHOOKBLOCKED' ? `Refused: ${error.message}.` : `${error.code ?? 'ERROR'}: ${error.message}`.slice(0, 500) });
    });
    request.end(body);
  });
}
