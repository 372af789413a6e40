import type { RosterCode } from '../../lib/measured-roster.js';

// The sync benchmark's settings (environment variables and targets); see bench/README.md.

/** Users in the fake Entra ID tenant (BENCH_SYNC_USERS, e.g. 2000 for a quick run while developing). */
export const USERS = Number(process.env.BENCH_SYNC_USERS ?? 20_000);
/** Groups; every user is a member of exactly one, so each group has USERS / GROUPS members. */
export const GROUPS = Number(process.env.BENCH_SYNC_GROUPS ?? 200);
/** Changes made upstream between the second sync and the delta sync. */
export const DELTA_CHANGES = Number(process.env.BENCH_SYNC_CHANGES ?? 200);
export const TARGETS = { ratio: 0.5, statementsPerUser: 3, unchangedSeconds: 3, deltaSeconds: 1, peakRssMb: 300 } as const;
export const SYNC_TIMEOUT_MS = 20 * 60_000;
/**
 * BENCH_SYNC_SERVER=dist (default): Roster as `pnpm start` runs it, the server built first from the working
 * tree; source: the sources under tsx (whose compiled code and source maps add about 40 MB to the process).
 */
export const SERVER_CODE = (process.env.BENCH_SYNC_SERVER ?? 'dist') as RosterCode;
if (!['source', 'dist'].includes(SERVER_CODE)) throw new Error(`Unknown BENCH_SYNC_SERVER="${SERVER_CODE}" (known: source, dist).`);
