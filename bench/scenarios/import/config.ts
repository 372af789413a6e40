import type { RosterCode } from '../../lib/measured-roster.js';

// The import benchmark's settings (environment variables and targets); see bench/README.md.

export const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 50_000);
/** Roster's import runner batch size; unset = Roster's default (IMPORT_BATCH_SIZE). The baseline commits the same batches. */
export const BATCH_SIZE = process.env.BENCH_IMPORT_BATCH ? Number(process.env.BENCH_IMPORT_BATCH) : undefined;
export const EXISTING_USERS = 1_000;
/** Issue 15 (2026-12-02: ratio 0.68, preview 2.6 s, 50 statements per 1,000 rows of the import). */
export const TARGETS = { ratio: 0.8, previewSeconds: 1.5, peakRssMb: 300, importStatementsPer1kRows: 45 } as const;
/**
 * Statements Roster's other workers run on a timer whatever the import does (the webhook worker's poll every second,
 * the sync engine's every 5 s): tallied with the import's, but left out of its statements per 1,000 rows, since their
 * number follows the phase's duration, not its rows.
 */
export const BACKGROUND_POLLS: readonly string[] = ['SELECT webhook_deliveries', 'SELECT integrations', 'SELECT sync_runs'];
/** BENCH_PROFILE=preview|import|baseline: CPU-profile that phase (the second baseline run); the profiler slows it, do not quote its figures. */
export const PROFILE = process.env.BENCH_PROFILE ?? '';
if (PROFILE && !['preview', 'import', 'baseline'].includes(PROFILE))
  throw new Error(`Unknown BENCH_PROFILE="${PROFILE}" (known: preview, import, baseline).`);
/**
 * BENCH_IMPORT_ONLY=preview: runs the preview alone (no baseline, no import), BENCH_IMPORT_PREVIEWS times (default 3) on
 * the same Roster, each preview's rows deleted before the next, and prints each run's wall time and CPU per 1,000 rows and
 * their medians. For working on the preview: a minute instead of five, and repeated runs to see the noise.
 */
export const ONLY = process.env.BENCH_IMPORT_ONLY ?? '';
if (ONLY && ONLY !== 'preview') throw new Error(`Unknown BENCH_IMPORT_ONLY="${ONLY}" (known: preview).`);
export const PREVIEW_RUNS = Number(process.env.BENCH_IMPORT_PREVIEWS ?? 3);
export const IMPORT_TIMEOUT_MS = 20 * 60_000;
/** No batch committed for this long means the runner is failing (its errors are in Roster's output). */
export const STALL_MS = 60_000;
/**
 * BENCH_IMPORT_SERVER=dist (default): Roster as `pnpm start` runs it, the server built first from the working
 * tree; source: the sources under tsx (whose compiled code and source maps add about 40 MB to the process).
 */
export const SERVER_CODE = (process.env.BENCH_IMPORT_SERVER ?? 'dist') as RosterCode;
if (!['source', 'dist'].includes(SERVER_CODE)) throw new Error(`Unknown BENCH_IMPORT_SERVER="${SERVER_CODE}" (known: source, dist).`);
