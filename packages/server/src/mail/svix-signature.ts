import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * Resend signs its webhooks with Svix, which is the Standard Webhooks scheme under `svix-*` header names. The resend
 * SDK's own `webhooks.verify` is a thin wrapper around the `standardwebhooks` library that needs a Resend client (an API
 * key) to reach; a Roster that only receives webhooks has none, so the same library is called directly. It checks the
 * HMAC of `id.timestamp.body`, every `v1,` signature of the header (key rotation), and the 5-minute replay tolerance.
 */
export interface SvixHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Why a webhook is refused, or null when its signature is valid and fresh. */
export function svixVerify(secret: string, headers: SvixHeaders, body: string): string | null {
  if (!headers.id || !headers.timestamp || !headers.signature) return 'missing svix-id, svix-timestamp or svix-signature header';
  try {
    new Webhook(secret).verify(body, {
      'webhook-id': headers.id,
      'webhook-timestamp': headers.timestamp,
      'webhook-signature': headers.signature,
    });
    return null;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.message.replace(/\.$/, '').toLowerCase();
    return 'unreadable signing secret or signature';
  }
}
