import { randomBytes } from 'node:crypto';
import { closeLiveClients, FanOutTracker, openLiveClients, type LiveClient } from '../../lib/live-clients.js';
import { waitForQuietDatabase, type ThrowawayDatabase } from '../../lib/mariadb.js';
import { round2 } from '../../lib/report.js';
import { postGraphQL, signIn, startBenchRoster, StatementTally } from '../../lib/roster.js';
import { ACCEPT, DIAGNOSTIC_CLIENTS, EVENT_TIMEOUT_MS, INVITE, SUBSCRIPTION } from './config.js';

/**
 * Counts the SQL statements of one accept with no subscriber and with DIAGNOSTIC_CLIENTS subscribers, on a
 * Roster started in this process (where its SQL can be counted); the difference, per subscriber, is what
 * each open socket costs per event.
 */
export async function sqlPerSocketEvent(db: ThrowawayDatabase, admin: { email: string; password: string }) {
  const tally = new StatementTally();
  const bench = await startBenchRoster(db.url, {}, { runOutboxWorker: false, runImportRunner: false, onSql: tally.onSql });
  const tracker = new FanOutTracker(DIAGNOSTIC_CLIENTS);
  let clients: LiveClient[] = [];
  try {
    const { cookie } = await signIn(bench.baseUrl, admin.email, admin.password);
    const url = `${bench.baseUrl}/graphql`;
    const cycle = async (subscribers: number, n: number) => {
      const email = `live-sql-${randomBytes(3).toString('hex')}-${n}@bench-live.test`;
      const invite = await postGraphQL(url, INVITE, { cookie, variables: { a: email } });
      const result = invite.body.data?.inviteUsers.results[0];
      if (!result?.user) throw new Error(`Diagnostic invite failed: ${JSON.stringify(invite.body).slice(0, 300)}`);
      if (subscribers) await tracker.wait('INVITED', result.user.id, EVENT_TIMEOUT_MS);
      await waitForQuietDatabase(db.url, { quietPolls: 2, intervalMs: 50 });
      tally.reset();
      tally.active = true;
      await postGraphQL(url, ACCEPT, {
        variables: { input: { token: result.inviteLink.split('/invitations/')[1], name: 'Sql Bench', password: 'live-bench-password' } },
      });
      if (subscribers) await tracker.wait('ACCEPTED', result.user.id, EVENT_TIMEOUT_MS);
      await waitForQuietDatabase(db.url, { quietPolls: 3, intervalMs: 50 });
      tally.active = false;
      return new Map(tally.counts);
    };
    await cycle(0, 0);
    const alone = await cycle(0, 1);
    clients = await openLiveClients(DIAGNOSTIC_CLIENTS, bench.baseUrl, cookie, SUBSCRIPTION, (i, data, at) => tracker.record(i, data, at));
    await cycle(DIAGNOSTIC_CLIENTS, 2);
    const watched = await cycle(DIAGNOSTIC_CLIENTS, 3);
    const kinds = [...new Set([...alone.keys(), ...watched.keys()])];
    const perSocket = Object.fromEntries(
      kinds
        .map((kind) => [kind, ((watched.get(kind) ?? 0) - (alone.get(kind) ?? 0)) / DIAGNOSTIC_CLIENTS] as const)
        .filter(([, n]) => n !== 0)
        .sort((x, y) => y[1] - x[1]),
    );
    const total = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
    return {
      subscribers: DIAGNOSTIC_CLIENTS,
      acceptAloneStatements: total(alone),
      acceptWatchedStatements: total(watched),
      perSocketPerEvent: round2((total(watched) - total(alone)) / DIAGNOSTIC_CLIENTS),
      perSocketPerEventByKind: perSocket,
    };
  } finally {
    await closeLiveClients(clients);
    await bench.roster.stop();
  }
}
