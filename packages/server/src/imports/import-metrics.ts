import type { Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';
import { secondsBetween, type Metrics } from '../core/metrics.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';

/** Import runs last seconds to hours. */
const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400];

/** Records the end of the import runs this instance's runner works: finished, or cancelled by an admin while it ran. */
export class ImportRunMetrics {
  private readonly durations: Histogram<'state'>;

  constructor(
    metrics: Metrics,
    private readonly dataSource: DataSource,
  ) {
    this.durations = metrics.histogram({
      name: 'roster_import_run_duration_seconds',
      help: 'Import runs that ended, by final state (FINISHED, CANCELLED), from start to end in seconds; _count counts the runs.',
      labelNames: ['state'],
      buckets: RUN_BUCKETS,
    });
  }

  finished(job: ImportJobEntity, at = new Date()): void {
    this.durations.observe({ state: ImportJobState.FINISHED }, secondsBetween(job.startedAt, at));
  }

  /** The runner lost its job: counted when an admin cancelled it (not when another runner took it over). */
  async stopped(jobId: string): Promise<void> {
    const job = await this.dataSource.getRepository(ImportJobEntity).findOneBy({ id: jobId });
    if (job?.state === ImportJobState.CANCELLED)
      this.durations.observe({ state: job.state }, secondsBetween(job.startedAt, job.finishedAt ?? new Date()));
  }
}
