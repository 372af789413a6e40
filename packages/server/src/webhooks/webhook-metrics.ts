import type { DataSource } from 'typeorm';
import { fromSqlDateTime } from '../core/db/columns.js';
import { secondsBetween, type Metrics } from '../core/metrics.js';
import { WebhookDeliveryEntity, WebhookDeliveryState } from './webhook-delivery.entity.js';

/**
 * Webhook deliveries waiting, those of them already failed at least once (being retried), and the oldest one's age:
 * read on scrape with one query over the (state, next_attempt_at) index. The roof registers it.
 */
export function registerWebhookMetrics(metrics: Metrics, dataSource: DataSource, now: () => Date = () => new Date()): void {
  metrics.gaugesOnScrape(
    'webhooks',
    async () => {
      const row = await dataSource
        .getRepository(WebhookDeliveryEntity)
        .createQueryBuilder('delivery')
        .select('COUNT(*)', 'pending')
        .addSelect('SUM(CASE WHEN delivery.attempts > 0 THEN 1 ELSE 0 END)', 'failing')
        .addSelect('MIN(delivery.created_at)', 'oldest')
        .where('delivery.state = :pending', { pending: WebhookDeliveryState.PENDING })
        .getRawOne<{ pending: number | string; failing: number | string | null; oldest: Date | string | null }>();
      return {
        pending: Number(row?.pending ?? 0),
        failing: Number(row?.failing ?? 0),
        oldest: row?.oldest ? fromSqlDateTime(row.oldest) : null,
      };
    },
    [
      {
        name: 'roster_webhook_deliveries_pending',
        help: 'Webhook deliveries waiting to be POSTed (new, or retrying after a failed attempt).',
        set: (gauge, result) => gauge.set(result.pending),
      },
      {
        name: 'roster_webhook_deliveries_failing',
        help: 'Webhook deliveries still pending whose last attempt failed (the endpoint answered non-2xx or not at all).',
        set: (gauge, result) => gauge.set(result.failing),
      },
      {
        name: 'roster_webhook_oldest_pending_age_seconds',
        help: 'Age of the oldest pending webhook delivery, in seconds (0 when none waits).',
        set: (gauge, result) => gauge.set(secondsBetween(result.oldest, now())),
      },
    ],
  );
}
