// The live benchmark's settings (environment variables, targets) and the GraphQL documents it sends; see bench/README.md.

export const CLIENTS_ONE = Number(process.env.BENCH_LIVE_CLIENTS ?? 5000);
export const CLIENTS_TWO = Number(process.env.BENCH_LIVE_CLIENTS_B ?? 2500);
/** Worker threads the subscribers are spread over: one thread alone would delay the last arrival by its own per-message CPU × subscribers. */
export const CLIENT_WORKERS = Number(process.env.BENCH_LIVE_CLIENT_WORKERS ?? 4);
if (!(CLIENT_WORKERS >= 1))
  throw new Error(`BENCH_LIVE_CLIENT_WORKERS must be at least 1, not "${process.env.BENCH_LIVE_CLIENT_WORKERS}".`);
export const REPS = Number(process.env.BENCH_LIVE_REPS ?? 20);
export const WARMUP_REPS = 2;
/** Accepts run before the subscribers connect: how long the accept takes when nobody listens. */
export const CONTROL_REPS = 3;
export const SERVER_MODE = (process.env.BENCH_LIVE_SERVER ?? 'source') as 'source' | 'dist';
if (!['source', 'dist'].includes(SERVER_MODE)) throw new Error(`BENCH_LIVE_SERVER must be source or dist, not "${SERVER_MODE}".`);
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** BENCH_PROFILE=one|two: CPU-profile the receiving instance during that scenario's measured repetitions. */
export const PROFILE = process.env.BENCH_PROFILE ?? '';
if (PROFILE && !['one', 'two'].includes(PROFILE)) throw new Error(`Unknown BENCH_PROFILE="${PROFILE}" (known: one, two).`);
/** BENCH_LIVE_ONLY=floor: measure only the bare ws floor (no database, no Roster). */
export const ONLY = process.env.BENCH_LIVE_ONLY ?? '';
if (ONLY && ONLY !== 'floor') throw new Error(`Unknown BENCH_LIVE_ONLY="${ONLY}" (known: floor).`);
/** Clients of the in-process diagnostic that counts SQL statements per socket per event. */
export const DIAGNOSTIC_CLIENTS = 20;
export const TARGETS = { oneP99Ms: 100, twoP99Ms: 200 } as const;
export const EVENT_TIMEOUT_MS = 60_000;
/** graphql-ws does not acknowledge a subscription: invitations are sent until every client heard one, at most this many. */
export const SUBSCRIBED_ATTEMPTS = 20;
export const SUBSCRIBED_WAIT_MS = 5_000;

export const SUBSCRIPTION = 'subscription { userEvents { type users { id status invitationPending } } }';
export const INVITE =
  'mutation($a: String!) { inviteUsers(input: { addresses: $a, sendEmail: false }) { results { verdict inviteLink user { id } } } }';
export const ACCEPT = 'mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { role } } }';
