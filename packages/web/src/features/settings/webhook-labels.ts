import type { WebhookDeliveryState } from '@roster/schema/generated';
import type { BadgeTone } from '../../ui/Badge.vue';

const DELIVERY_STATES: Record<WebhookDeliveryState, { label: string; tone: BadgeTone }> = {
  SUCCEEDED: { label: 'Succeeded', tone: 'green' },
  PENDING: { label: 'Pending', tone: 'amber' },
  FAILED: { label: 'Failed', tone: 'red' },
};

/** A pending delivery that was already tried is waiting for its next attempt: "Retrying". */
export function deliveryState(delivery: { state: WebhookDeliveryState; attempts: number }): { label: string; tone: BadgeTone } {
  if (delivery.state === 'PENDING' && delivery.attempts > 0) return { label: 'Retrying', tone: 'amber' };
  return DELIVERY_STATES[delivery.state];
}

/**
 * What the form can tell before asking the server: an absolute http(s) URL. Whether plain http or a private
 * address is allowed depends on the server's configuration, so the server's answer decides those.
 */
export function webhookUrlProblem(value: string): string | null {
  const url = value.trim();
  if (!url) return 'Enter the URL that receives the webhooks.';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Enter a full URL, e.g. https://example.com/webhooks/roster.';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'The URL must start with https://.';
  if (!parsed.hostname) return 'The URL has no host.';
  return null;
}

/** The response excerpt or the reason no answer came, in one line for the table. */
export function responseSummary(delivery: { responseStatus: number | null; lastError: string | null; attempts: number }): string {
  if (delivery.responseStatus !== null) return `HTTP ${delivery.responseStatus}`;
  if (delivery.attempts === 0) return 'Not sent yet';
  return delivery.lastError ? 'No answer' : '—';
}

/** The JSON body, indented for reading (left as it is if it is not JSON). */
export function prettyJson(text: string | null): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function formatDuration(ms: number | null): string | null {
  if (ms === null) return null;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
