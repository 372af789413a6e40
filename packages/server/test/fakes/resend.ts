import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';

export interface DeliveredEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  idempotencyKey: string | null;
  /** When the fake accepted it (ms since the epoch). */
  at: number;
}

interface ScriptedFailure {
  status: number;
  name: string;
  message: string;
  headers?: Record<string, string>;
  /** Accept and record the emails, but answer with this failure anyway (the answer got lost). */
  afterAccepting?: boolean;
}

/** A failure answered to every request while `active()` is true (an outage of some length of fake time). */
interface Outage extends ScriptedFailure {
  active: () => boolean;
}

export interface FakeResendOptions {
  /**
   * Requests per second allowed to the team (every API key of it), as Resend enforces them: a token bucket of this
   * many requests, refilled at this rate. Beyond it: 429 `rate_limit_exceeded` with `retry-after` and the
   * `ratelimit-*` headers. Unlimited when not set.
   */
  requestsPerSecond?: number;
  /** Keep each delivered email's html and text (default true; a benchmark of thousands of emails leaves them out). */
  keepBodies?: boolean;
}

/**
 * A local server that answers as Resend's API documents: `POST /emails` and `POST /emails/batch` (at most
 * 100; `x-batch-validation: permissive` sends the valid emails and lists the invalid ones in `errors`, strict
 * refuses the whole batch), bearer auth, `Idempotency-Key` (a repeat returns the first response and sends
 * nothing; the same key with another payload is a 409), validation errors as 422, a per-team rate limit
 * (`requestsPerSecond`), scripted 429s (with retry-after) and 500s, outages (`failWhile`) and hung calls
 * (`hangNext`: accepted, never answered).
 */
export class FakeResend {
  readonly delivered: DeliveredEmail[] = [];
  readonly requests: Array<{ path: string; idempotencyKey: string | null; count: number; status: number; at: number }> = [];
  /** Requests answered 429 because the team's rate was exceeded. */
  rateLimited = 0;
  private tokens: number;
  private refilledAt = Date.now();
  private readonly failures: ScriptedFailure[] = [];
  private readonly outages: Outage[] = [];
  private hangs = 0;
  /** Requests accepted and never answered, ended at stop(). */
  private readonly hung = new Set<http.ServerResponse>();
  /** How many requests were accepted and left unanswered. */
  hungCount = 0;

  /** Unanswered requests whose connection is still open (the client has not given up on them). */
  get stillHanging(): number {
    return this.hung.size;
  }
  /** Answers by idempotency key, with a hash of the payload they answered. */
  private readonly idempotent = new Map<string, { payload: string; status: number; body: unknown }>();
  private server: http.Server | null = null;
  url = '';

  constructor(
    readonly apiKey = 're_test_key',
    private readonly options: FakeResendOptions = {},
  ) {
    this.tokens = options.requestsPerSecond ?? 0;
  }

  failNext(...failures: ScriptedFailure[]): void {
    this.failures.push(...failures);
  }

  /** Answers `failure` to every request (before accepting anything) while `active()` holds. */
  failWhile(active: () => boolean, failure: ScriptedFailure): void {
    this.outages.push({ ...failure, active });
  }

  /** The next `count` requests are accepted (the emails count as sent) and never answered. */
  hangNext(count = 1): void {
    this.hangs += count;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** How many times each recipient got an email. */
  countsByRecipient(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const email of this.delivered) for (const to of email.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
  }

  /** Spends one of the team's requests; the 429's headers when none is left. */
  private takeToken(now: number): Record<string, string> | null {
    const perSecond = this.options.requestsPerSecond;
    if (!perSecond) return null;
    this.tokens = Math.min(perSecond, this.tokens + ((now - this.refilledAt) * perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return null;
    }
    const secondsToNext = (1 - this.tokens) / perSecond;
    return {
      'ratelimit-limit': String(perSecond),
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(Math.max(1, Math.ceil((perSecond - this.tokens) / perSecond))),
      'retry-after': String(Math.max(1, Math.ceil(secondsToNext))),
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const at = Date.now();
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}, count = 0) => {
      this.requests.push({ path: req.url ?? '', idempotencyKey: key, count, status, at });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || (req.url !== '/emails' && req.url !== '/emails/batch')) {
      return reply(404, { statusCode: 404, name: 'not_found', message: 'The requested endpoint does not exist.' });
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return reply(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key in the authorization header.' });
    }
    const limited = this.takeToken(at);
    if (limited) {
      this.rateLimited++;
      return reply(
        429,
        {
          statusCode: 429,
          name: 'rate_limit_exceeded',
          message: `Too many requests. You can only make ${this.options.requestsPerSecond} requests per second.`,
        },
        limited,
      );
    }
    let payload: any;
    try {
      payload = JSON.parse(raw);
    } catch {
      return reply(400, { statusCode: 400, name: 'invalid_body', message: 'Invalid JSON body.' });
    }
    const emails: any[] = req.url === '/emails/batch' ? payload : [payload];
    const payloadHash = createHash('sha256').update(raw).digest('hex');
    if (key) {
      const previous = this.idempotent.get(key);
      if (previous) {
        if (previous.payload !== payloadHash) {
          return reply(409, {
            statusCode: 409,
            name: 'invalid_idempotent_request',
            message: 'Same idempotency key used with a different request payload.',
          });
        }
        return reply(previous.status, previous.body, {}, emails.length);
      }
    }
    const outage = this.outages.find((o) => o.active());
    if (outage) {
      return reply(outage.status, { statusCode: outage.status, name: outage.name, message: outage.message }, outage.headers, emails.length);
    }
    const failure = this.failures.shift();
    if (failure && !failure.afterAccepting) {
      return reply(
        failure.status,
        { statusCode: failure.status, name: failure.name, message: failure.message },
        failure.headers,
        emails.length,
      );
    }
    if (!Array.isArray(emails) || emails.length === 0 || emails.length > 100) {
      return reply(422, { statusCode: 422, name: 'validation_error', message: 'The batch must hold between 1 and 100 emails.' });
    }
    const permissive = req.url === '/emails/batch' && req.headers['x-batch-validation'] === 'permissive';
    const errors: Array<{ index: number; message: string }> = [];
    for (const [index, email] of emails.entries()) {
      const invalid = validationError(email);
      if (invalid && !permissive) return reply(422, { statusCode: 422, name: 'validation_error', message: invalid });
      if (invalid) errors.push({ index, message: invalid });
    }
    const refused = new Set(errors.map((e) => e.index));
    const accepted = emails.filter((_, index) => !refused.has(index));
    const keepBodies = this.options.keepBodies ?? true;
    const ids = accepted.map((email) => {
      const id = randomUUID();
      this.delivered.push({
        id,
        from: email.from,
        to: Array.isArray(email.to) ? email.to : [email.to],
        subject: email.subject,
        html: keepBodies ? email.html : '',
        text: keepBodies ? email.text : '',
        idempotencyKey: key,
        at,
      });
      return id;
    });
    const body = req.url === '/emails/batch' ? { data: ids.map((id) => ({ id })), ...(permissive ? { errors } : {}) } : { id: ids[0] };
    if (key) this.idempotent.set(key, { payload: payloadHash, status: 200, body });
    if (this.hangs > 0) {
      this.hangs--;
      this.hungCount++;
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (failure?.afterAccepting) {
      return reply(
        failure.status,
        { statusCode: failure.status, name: failure.name, message: failure.message },
        failure.headers,
        emails.length,
      );
    }
    return reply(200, body, {}, emails.length);
  }
}

/** Why Resend would refuse this email (its fields), or null. */
function validationError(email: any): string | null {
  if (typeof email?.from !== 'string' || !/^(?:[^<>]*<[^@\s<>]+@[^@\s<>]+>|[^@\s<>]+@[^@\s<>]+)$/.test(email.from.trim()))
    return 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';
  const to = Array.isArray(email.to) ? email.to : [email.to];
  if (!email.subject || to.length === 0 || to.some((t: string) => typeof t !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(t)))
    return `Invalid \`to\` field: ${JSON.stringify(email.to)}`;
  return null;
}
