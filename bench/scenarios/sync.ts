import { performance } from 'node:perf_hooks';
import { FakeMicrosoftGraph } from '../../packages/server/test/fakes/microsoft-graph.js';
import { runSyncBaseline } from '../baselines/sync-sql.js';
import { waitForFlushedBufferPool, withThrowawayDatabase, type ThrowawayDatabase } from '../lib/mariadb.js';
import { buildServer, startMeasuredRoster, type ChildPhase, type MeasuredRoster } from '../lib/measured-roster.js';
import { collectGarbage, mb, measurePhase, thisProcessMemory } from '../lib/phase.js';
import { gitRevision } from '../lib/report.js';
import { postGraphQL, signIn } from '../lib/roster.js';
import { seedAccount, type SeededAccount } from '../lib/seed.js';
import { counters } from './import/phases.js';
import { migrate } from './import/database.js';
import { DELTA_CHANGES, GROUPS, SERVER_CODE, USERS } from './sync/config.js';
import { makeChanges, readsOf, waitForRun, writtenRows, type RunRow } from './sync/directory.js';
import { report, type SyncPhase } from './sync/report.js';

/**
 * Sync benchmark: a Microsoft Entra ID tenant of 20,000 users in 200 groups, served by the fake Graph server in
 * this process, synced by Roster (a child process of its own, so its memory and CPU are the server's alone) into
 * MariaDB: the first sync, a second sync with nothing changed, and a sync after 200 changes upstream (delta
 * queries, when the connector has them). The baseline writes the first sync's rows with raw mysql2 multi-row
 * INSERTs into a database of its own, in this process. Parts: sync/config.ts (settings, targets), sync/directory.ts
 * (the tenant's changes, waiting for a run, rows written), sync/report.ts (table, verdicts, bench/results/sync.json).
 */
export default async function main(): Promise<void> {
  console.log(
    `Sync benchmark: ${USERS.toLocaleString('en')} Entra ID users in ${GROUPS} groups (fake Graph) synced by Roster vs raw mysql2 multi-row INSERTs`,
  );
  const code = gitRevision();
  console.log(`- code: ${code.commit ?? 'unknown'}${code.serverDirty ? ' + uncommitted changes in packages/server' : ''}`);
  const graph = await new FakeMicrosoftGraph().start();
  graph.seedUsers(USERS, 'bench-tenant.test');
  graph.seedGroups(GROUPS);
  const fakeBusy = timeFakeAnswers(graph);
  console.log(`- fake Graph on ${graph.url} in this process (${process.pid}): ${graph.users.length} users, ${graph.groups.length} groups`);
  try {
    await withThrowawayDatabase((rosterDb) =>
      withThrowawayDatabase((firstBaselineDb) =>
        withThrowawayDatabase(async (secondBaselineDb) => {
          console.log(
            `- databases ${rosterDb.name} (Roster), ${firstBaselineDb.name} and ${secondBaselineDb.name} (baseline runs 1 and 2)`,
          );
          await run(graph, fakeBusy, rosterDb, [firstBaselineDb, secondBaselineDb]);
        }),
      ),
    );
  } finally {
    await graph.stop();
  }
}

async function run(
  graph: FakeMicrosoftGraph,
  fakeBusy: () => number,
  rosterDb: ThrowawayDatabase,
  baselineDbs: ThrowawayDatabase[],
): Promise<void> {
  let roster: MeasuredRoster | null = null;
  const dirtyAtStart: Record<string, number> = {};
  const settle = async (phase: string) => {
    await collectGarbage();
    await roster?.collectGarbage();
    const flushed = await waitForFlushedBufferPool(rosterDb.url, { timeoutMs: USERS < 20_000 ? 5_000 : 30_000 });
    dirtyAtStart[phase] = flushed.dirtyPercent;
    console.log(
      `  (before the ${phase}: waited ${(flushed.waitedMs / 1000).toFixed(1)} s for InnoDB to flush; ${flushed.dirtyPercent}% dirty)`,
    );
  };
  try {
    if (SERVER_CODE === 'dist') console.log(`- built packages/server from the working tree (${(buildServer().ms / 1000).toFixed(1)} s)`);
    roster = await startMeasuredRoster(rosterDb.url, {
      code: SERVER_CODE,
      env: { MICROSOFT_GRAPH_BASE_URL: graph.url, MICROSOFT_LOGIN_BASE_URL: graph.url, OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' },
    });
    const seeded = await seedAccount(rosterDb.url, { users: 1, companies: 0, groups: 0 });
    const baselineSeeds: SeededAccount[] = [];
    for (const db of baselineDbs) {
      await migrate(db.url);
      baselineSeeds.push(await seedAccount(db.url, { users: 1, companies: 0, groups: 0 }));
    }
    console.log(`- Roster started as process ${roster.child.pid} (${SERVER_CODE}); the account and its admin seeded on both databases`);
    const { cookie } = await signIn(roster.baseUrl, seeded.admin.email, seeded.admin.password);
    const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
      const answer = await postGraphQL<T>(`${roster!.baseUrl}/graphql`, query, { cookie, variables });
      if (answer.body.errors || !answer.body.data) throw new Error(`GraphQL failed: ${JSON.stringify(answer.body).slice(0, 800)}`);
      return answer.body.data;
    };
    const created = await gql<{ createIntegration: { integration: { id: string } } }>(
      `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`,
      {
        input: {
          name: 'Bench Entra ID',
          type: 'MICROSOFT_ENTRA',
          credentials: [
            { name: 'tenantId', value: graph.tenantId },
            { name: 'clientId', value: graph.clientId },
            { name: 'clientSecret', value: graph.clientSecret },
          ],
        },
      },
    );
    const integrationId = created.createIntegration.integration.id;
    await collectGarbage();
    await roster.collectGarbage();
    const rosterIdleMb = mb(roster.memory.rss() ?? 0);
    console.log(`- Entra ID integration ${integrationId} created; Roster's process ${rosterIdleMb} MB started and idle (after a full GC)`);

    // Baseline: the first sync's rows, raw; run before and after Roster's first sync, so a drift of the machine (or
    // InnoDB still flushing the last phase's pages) hits both sides.
    const runBaseline = async (index: number) => {
      const baselineDb = baselineDbs[index]!;
      const baselineSeed = baselineSeeds[index]!;
      await settle(`baseline run ${index + 1}`);
      const baseline = await measurePhase(
        await counters(baselineDb.url),
        () =>
          runSyncBaseline({
            databaseUrl: baselineDb.url,
            accountId: baselineSeed.accountId,
            accountName: 'Bench MSP',
            inviterPersonId: baselineSeed.admin.personId,
            inviterName: 'Alex Admin',
            invitationLifetimeDays: 7,
            publicUrl: roster!.publicUrl,
            users: graph.users,
            groups: graph.groups,
            pageSize: graph.maxPageSize,
          }),
        { memory: thisProcessMemory },
      );
      const written = await writtenRows(baselineDb.url);
      console.log(
        `- baseline run ${index + 1}: ${(baseline.wallMs / 1000).toFixed(2)} s, ${baseline.value.statements} SQL statements, rows ${JSON.stringify(written)}`,
      );
      for (const table of ['memberships', 'invitations', 'outboxEmails', 'userLinks', 'groupMembers'] as const)
        if (written[table] !== USERS) throw new Error(`Baseline run ${index + 1} wrote ${written[table]} ${table}; expected ${USERS}.`);
      return { ...baseline, written };
    };
    const firstBaseline = await runBaseline(0);

    const rosterCounters = await counters(rosterDb.url, { mainThread: roster.child.mainThreadCpuMs, wholeProcess: roster.child.cpuMs });
    /** One sync of Roster's, from startSync to the run's end: CPU, event loop and memory of its process, SQL tallied in the child. */
    const sync = async (name: string): Promise<SyncPhase> => {
      await settle(name);
      const server = roster!;
      const requestsBefore = graph.requests.length;
      const fakeBusyBefore = fakeBusy();
      let child: ChildPhase | null = null;
      await server.phaseStart();
      const phase = await measurePhase(
        rosterCounters,
        async () => {
          const started = await gql<{ startSync: { run: { id: string } } }>(
            `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`,
            { input: { integrationId, dryRun: false } },
          );
          return waitForRun(rosterDb.url, started.startSync.run.id, () => server.child.output());
        },
        { memory: server.memory, eventLoopUtilization: async () => (child = await server.phaseEnd()).eventLoopUtilization },
      );
      const { statements, peakHeapUsed } = child as unknown as ChildPhase;
      const run: RunRow = phase.value;
      if (run.state !== 'SUCCEEDED') throw new Error(`The ${name} ended ${run.state}: ${run.error}\n${server.child.output().slice(-3000)}`);
      const result: SyncPhase = {
        ...phase,
        name,
        rss: { ...phase.rss, peakHeapUsedMb: mb(peakHeapUsed) },
        statements,
        statementCount: statements.reduce((sum, [, n]) => sum + n, 0),
        counts: JSON.parse(run.counts) as Record<string, number>,
        reads: readsOf(graph.requests.slice(requestsBefore)),
        stageSeconds: run.stageSeconds,
        fakeGraphSeconds: Math.round(fakeBusy() - fakeBusyBefore) / 1000,
      };
      console.log(
        `- ${name}: ${(phase.wallMs / 1000).toFixed(2)} s, ${result.statementCount} SQL statements, counts ${JSON.stringify(result.counts)}, Graph ${JSON.stringify(result.reads)}, stages reached at (s) ${JSON.stringify(run.stageSeconds)}, the fake Graph spent ${result.fakeGraphSeconds} s answering, peak RSS ${phase.rss.peakMb} MB`,
      );
      return result;
    };

    const first = await sync('first sync');
    const rosterRows = await writtenRows(rosterDb.url);
    console.log(`- rows written by Roster's first sync: ${JSON.stringify(rosterRows)}`);
    for (const table of ['memberships', 'invitations', 'outboxEmails', 'userLinks', 'groupMembers'] as const) {
      if (rosterRows[table] !== USERS) throw new Error(`${table}: Roster wrote ${rosterRows[table]}; expected ${USERS}.`);
    }
    const secondBaseline = await runBaseline(1);
    const unchanged = await sync('second sync (no changes)');
    if (unchanged.counts.created || unchanged.counts.updated)
      throw new Error(`The unchanged sync changed things: ${JSON.stringify(unchanged.counts)}`);
    // With delta queries the second sync reads nothing at all; a full read of the unchanged directory (what a sync
    // does when Graph has forgotten its deltaLink) is what measures the users stage's unchanged path.
    let fullRead: SyncPhase | null = null;
    if (unchanged.reads.fromDeltaLink > 0) {
      graph.expireDeltaTokens();
      fullRead = await sync('full read, no changes (deltaLink expired)');
      if (fullRead.counts.created || fullRead.counts.updated)
        throw new Error(`The unchanged full read changed things: ${JSON.stringify(fullRead.counts)}`);
    }
    const changes = makeChanges(graph, DELTA_CHANGES);
    console.log(`- upstream changes: ${JSON.stringify(changes)}`);
    const delta = await sync(`sync after ${DELTA_CHANGES} changes`);
    const rosterPid = roster.child.pid;
    await roster.stop();
    roster = null;
    report({
      rosterPid,
      rosterIdleMb,
      dirtyAtStart,
      baselines: [firstBaseline, secondBaseline],
      rosterRows,
      first,
      unchanged,
      fullRead,
      delta,
      changes,
    });
  } finally {
    await roster?.stop().catch((error) => console.error('Stopping Roster failed:', error));
  }
}

/**
 * Milliseconds the fake Graph server has spent answering so far (from a request's arrival to its answer; its
 * requests come one at a time), so a sync's time can be told apart from the fake's own work (delta rounds compare
 * the whole tenant with a snapshot), which runs in this process, not in Roster's.
 */
function timeFakeAnswers(graph: FakeMicrosoftGraph): () => number {
  let busyMs = 0;
  const fake = graph as unknown as { handle(req: unknown, res: unknown): Promise<void> };
  const handle = fake.handle.bind(graph);
  fake.handle = async (req, res) => {
    const started = performance.now();
    try {
      await handle(req, res);
    } finally {
      busyMs += performance.now() - started;
    }
  };
  return () => busyMs;
}
