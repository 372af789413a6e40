import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface DeliveredEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  idempotencyKey: string | null;
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

/**
 * A local server that answers as Resend's API documents: `POST /emails` and `POST /emails/batch` (at most
 * 100), bearer auth, `Idempotency-Key` (a repeat returns the first response and sends nothing; the same key
 * with another payload is a 409), validation errors as 422, and scripted 429s (with retry-after) and 500s,
 * outages (`failWhile`) and hung calls (`hangNext`: accepted, never answered).
 */
export class FakeResend {
  readonly delivered: DeliveredEmail[] = [];
  readonly requests: Array<{ path: string; idempotencyKey: string | null; count: number; status: number }> = [];
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
  private readonly idempotent = new Map<string, { payload: string; status: number; body: unknown }>();
  private server: http.Server | null = null;
  url = '';

  constructor(readonly apiKey = 're_test_key') {}

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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}, count = 0) => {
      this.requests.push({ path: req.url ?? '', idempotencyKey: key, count, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || (req.url !== '/emails' && req.url !== '/emails/batch')) {
      return reply(404, { statusCode: 404, name: 'not_found', message: 'The requested endpoint does not exist.' });
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return reply(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key in the authorization header.' });
    }
    let payload: any;
    try {
      payload = JSON.parse(raw);
    } catch {
      return reply(400, { statusCode: 400, name: 'invalid_body', message: 'Invalid JSON body.' });
    }
    const emails: any[] = req.url === '/emails/batch' ? payload : [payload];
    if (key) {
      const previous = this.idempotent.get(key);
      if (previous) {
        if (previous.payload !== raw) {
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
    for (const email of emails) {
      if (typeof email.from !== 'string' || !/^(?:[^<>]*<[^@\s<>]+@[^@\s<>]+>|[^@\s<>]+@[^@\s<>]+)$/.test(email.from.trim())) {
        return reply(422, {
          statusCode: 422,
          name: 'validation_error',
          message: 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
        });
      }
      const to = Array.isArray(email.to) ? email.to : [email.to];
      if (!email.from || !email.subject || to.length === 0 || to.some((t: string) => !/^[^@\s]+@[^@\s]+$/.test(t))) {
        return reply(422, { statusCode: 422, name: 'validation_error', message: `Invalid \`to\` field: ${JSON.stringify(email.to)}` });
      }
    }
    const ids = emails.map((email) => {
      const id = randomUUID();
      this.delivered.push({
        id,
        from: email.from,
        to: Array.isArray(email.to) ? email.to : [email.to],
        subject: email.subject,
        html: email.html,
        text: email.text,
        idempotencyKey: key,
      });
      return id;
    });
    const body = req.url === '/emails/batch' ? { data: ids.map((id) => ({ id })) } : { id: ids[0] };
    if (key) this.idempotent.set(key, { payload: raw, status: 200, body });
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
