import type { Histogram } from 'prom-client';
import { secondsBetween, type Metrics } from '../../core/metrics.js';
import type { SyncRunEntity, SyncRunState } from './sync-run.entity.js';

/** Syncs last seconds to hours. */
const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400];

/** Records the end of the sync runs this instance's engine works to their end (succeeded or failed). */
export class SyncRunMetrics {
  private readonly durations: Histogram<'state'>;

  constructor(metrics: Metrics) {
    this.durations = metrics.histogram({
      name: 'roster_sync_run_duration_seconds',
      help: 'Sync runs that ended, by final state (SUCCEEDED, FAILED), from start to end in seconds; _count counts the runs.',
      labelNames: ['state'],
      buckets: RUN_BUCKETS,
    });
  }

  ended(run: SyncRunEntity, state: SyncRunState.SUCCEEDED | SyncRunState.FAILED, at = new Date()): void {
    this.durations.observe({ state }, secondsBetween(run.startedAt, at));
  }
}
