import { Resend } from 'resend';

export interface OutgoingEmail {
  id: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

/** What happened to one send call (one email or one batch), from the outbox's point of view. */
export type SendOutcome =
  /**
   * Accepted. `providerIds[i]` is the id of the i-th email; in a batch, emails Resend refused one by one (invalid
   * fields, in its permissive validation mode) are in `rejected` instead, by index, and the others were sent.
   */
  | { kind: 'sent'; providerIds: Array<string | null>; rejected?: Array<{ index: number; error: string }> }
  /** Worth trying again later: 5xx, network trouble, or rate limited (then `retryAfterSeconds`). */
  | { kind: 'retry'; error: string; retryAfterSeconds?: number }
  /** Will never work as it is (invalid address, rejected domain...). */
  | { kind: 'permanent'; error: string };

export interface EmailTransport {
  readonly name: 'resend' | 'dev-mailbox';
  /**
   * Sends the emails in one call under one idempotency key; a repeat with the same key sends nothing new.
   * `signal` ends the call (its timeout, or shutdown): an ended call is a `retry`, repeated later with the same key.
   */
  send(emails: OutgoingEmail[], idempotencyKey: string, signal?: AbortSignal): Promise<SendOutcome>;
}

/** Resend through its SDK: `POST /emails` for one, `POST /emails/batch` for up to 100. */
export class ResendTransport implements EmailTransport {
  readonly name = 'resend';
  private readonly client: Resend;

  constructor(
    apiKey: string,
    baseUrl: string,
    private readonly from: string,
    /** Told each call's answer: its HTTP status, `2xx`, or `network` / `timeout` when none came (metrics). */
    private readonly onAnswer: (status: string) => void = () => {},
  ) {
    this.client = new Resend(apiKey, { baseUrl });
  }

  async send(emails: OutgoingEmail[], idempotencyKey: string, signal?: AbortSignal): Promise<SendOutcome> {
    const payload = emails.map((email) => ({
      from: this.from,
      to: [email.to],
      subject: email.subject,
      html: email.html,
      text: email.text,
    }));
    let response: {
      data: unknown;
      error: { name?: string; message?: string; statusCode?: number | null } | null;
      headers?: Record<string, string> | null;
    };
    try {
      // The SDK passes `signal` to fetch, which then stops waiting for the answer (and its body) when it fires.
      response =
        payload.length === 1
          ? await this.client.emails.send(payload[0]!, { idempotencyKey, signal })
          : // Permissive: an email Resend finds invalid is reported alone instead of refusing the whole batch.
            await this.client.batch.send(payload, { idempotencyKey, signal, batchValidation: 'permissive' });
    } catch (error) {
      this.onAnswer(signal?.aborted ? 'timeout' : 'network');
      return { kind: 'retry', error: signal?.aborted ? abandonedCallMessage(signal) : `Network error: ${(error as Error).message}` };
    }
    this.onAnswer(answerStatus(response.error, signal));
    // The SDK reports a failed fetch (an abort included) as an error without a status.
    if (signal?.aborted && response.error) return { kind: 'retry', error: abandonedCallMessage(signal) };
    if (!response.error) {
      const data = response.data as { id?: string; data?: Array<{ id: string }>; errors?: Array<{ index: number; message: string }> };
      if (payload.length === 1) return { kind: 'sent', providerIds: [data.id ?? ''] };
      // `data` lists the created emails in the request's order, skipping the ones listed in `errors`.
      const rejected = (data.errors ?? []).map((e) => ({ index: e.index, error: `validation_error: ${e.message}`.slice(0, 480) }));
      const refused = new Set(rejected.map((r) => r.index));
      const created = (data.data ?? []).map((d) => d.id);
      const providerIds = payload.map((_, index) => (refused.has(index) ? null : (created.shift() ?? '')));
      return { kind: 'sent', providerIds, rejected };
    }
    const status = response.error.statusCode ?? null;
    const message = `${response.error.name ?? 'error'}: ${response.error.message ?? 'unknown'}`.slice(0, 480);
    if (status === 429) {
      const retryAfter = Number(response.headers?.['retry-after']);
      return { kind: 'retry', error: message, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 1 };
    }
    if (status === 409) {
      // The same idempotency key with another payload, or one still in flight: try again shortly.
      return { kind: 'retry', error: message };
    }
    if (status === null || status >= 500) return { kind: 'retry', error: message };
    return { kind: 'permanent', error: message };
  }
}

/** A call's answer for metrics: `2xx`, Resend's HTTP status, or `timeout` / `network` when the SDK got none. */
function answerStatus(error: { statusCode?: number | null } | null, signal?: AbortSignal): string {
  if (!error) return '2xx';
  if (error.statusCode) return String(error.statusCode);
  return signal?.aborted ? 'timeout' : 'network';
}

/** Why a send call was abandoned (its deadline passed, shutdown, or another worker took its batch), in words. */
export function abandonedCallMessage(signal: AbortSignal): string {
  const reason = signal.reason as { name?: string; message?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? 'The email provider did not answer in time; the call was abandoned and will be repeated.'
    : `The call to the email provider was abandoned: ${reason?.message ?? 'stopped'}.`;
}

/** The embedded default: nothing leaves the machine; emails are kept for the dev mailbox page and logged. */
export class DevMailboxTransport implements EmailTransport {
  readonly name = 'dev-mailbox';

  constructor(private readonly log: (line: string) => void) {}

  async send(emails: OutgoingEmail[]): Promise<SendOutcome> {
    for (const email of emails) this.log(`[dev mailbox] to ${email.to}: ${email.subject}`);
    return { kind: 'sent', providerIds: emails.map((e) => `dev_${e.id}`) };
  }
}
