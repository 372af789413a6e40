/** The webhooks feature's public entry: endpoints and signed deliveries of audited changes. */
import type DataLoader from 'dataloader';
import type { WebhookService, DeliveryInfo } from './webhook.service.js';
import type { WebhookWorker } from './webhook-worker.js';

export { forgetReusedWebhookEndpoints, reusingWebhookEndpoints } from './webhook-events.js';

declare module '../core/context.js' {
  interface Services {
    /** Webhook endpoints and deliveries; the worker POSTs them. */
    webhooks: WebhookService;
    webhookWorker: WebhookWorker;
  }
  interface Loaders {
    /** Keyed by endpoint id: its newest delivery, for the Webhooks list's "Last delivery" column. */
    lastWebhookDelivery: DataLoader<string, DeliveryInfo | null>;
  }
}
