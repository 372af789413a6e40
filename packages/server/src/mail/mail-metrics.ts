import type { DataSource } from 'typeorm';
import { fromSqlDateTime } from '../core/db/columns.js';
import { secondsBetween, type Metrics } from '../core/metrics.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';

/**
 * The outbox's depth and the age of its oldest pending email, read on scrape with one query over the
 * (state, next_attempt_at) index (pending emails are few while the outbox keeps up). The roof registers it.
 */
export function registerOutboxMetrics(metrics: Metrics, dataSource: DataSource, now: () => Date = () => new Date()): void {
  metrics.gaugesOnScrape(
    'outbox',
    async () => {
      const row = await dataSource
        .getRepository(OutboxEmailEntity)
        .createQueryBuilder('email')
        .select('COUNT(*)', 'pending')
        .addSelect('MIN(email.created_at)', 'oldest')
        .where('email.state = :pending', { pending: OutboxState.PENDING })
        .getRawOne<{ pending: number | string; oldest: Date | string | null }>();
      return { pending: Number(row?.pending ?? 0), oldest: row?.oldest ? fromSqlDateTime(row.oldest) : null };
    },
    [
      {
        name: 'roster_outbox_pending_emails',
        help: 'Emails waiting in the outbox to be sent (new, or retrying after a transient failure).',
        set: (gauge, result) => gauge.set(result.pending),
      },
      {
        name: 'roster_outbox_oldest_pending_age_seconds',
        help: 'Age of the oldest email waiting in the outbox, in seconds (0 when none waits).',
        set: (gauge, result) => gauge.set(secondsBetween(result.oldest, now())),
      },
    ],
  );
}

/** What one call to Resend came back with: its HTTP status, `2xx`, or `network` / `timeout` when no answer came. */
export type ResendAnswer = string;

/** Counts Resend's answers by status (the transport calls it once per send call). */
export function resendAnswerCounter(metrics: Metrics): (status: ResendAnswer) => void {
  const counter = metrics.counter({
    name: 'roster_resend_answers_total',
    help: 'Answers to calls to Resend (one call sends one email or a batch), by HTTP status; network and timeout when none came.',
    labelNames: ['status'],
  });
  return (status) => counter.inc({ status });
}
