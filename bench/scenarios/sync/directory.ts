import mysql from 'mysql2/promise';
import type { FakeMicrosoftGraph } from '../../../packages/server/test/fakes/microsoft-graph.js';
import { SYNC_TIMEOUT_MS } from './config.js';

/* The sync benchmark's tenant and database helpers: upstream changes, waiting for a run, the rows written. */

/**
 * Changes `count` users of the fake tenant, spread over it: half renamed, a quarter given a new email address, a
 * quarter disabled. Answers how many of each.
 */
export function makeChanges(graph: FakeMicrosoftGraph, count: number): { renamed: number; emailChanged: number; disabled: number } {
  const step = Math.max(1, Math.floor(graph.users.length / count));
  const made = { renamed: 0, emailChanged: 0, disabled: 0 };
  for (let i = 0; i < count && i * step < graph.users.length; i++) {
    const user = graph.users[i * step]!;
    if (i % 4 < 2) {
      graph.updateUser(user.id, { displayName: `${user.displayName} (renamed)` });
      made.renamed++;
    } else if (i % 4 === 2) {
      const mail = `moved.${user.mail}`;
      graph.updateUser(user.id, { mail, userPrincipalName: mail });
      made.emailChanged++;
    } else {
      graph.updateUser(user.id, { accountEnabled: false });
      made.disabled++;
    }
  }
  return made;
}

/** What a sync read from Graph: full listings, delta rounds, and whether a round started from a deltaLink. */
export interface GraphReads {
  requests: number;
  fullUserPages: number;
  deltaPages: number;
  /** Requests made with a `$deltatoken` from an earlier run (only what changed since). */
  fromDeltaLink: number;
}

export function readsOf(requests: FakeMicrosoftGraph['requests']): GraphReads {
  const graphCalls = requests.filter((r) => r.path.startsWith('/v1.0/'));
  return {
    requests: graphCalls.length,
    fullUserPages: graphCalls.filter((r) => r.path === '/v1.0/users').length,
    deltaPages: graphCalls.filter((r) => r.path.endsWith('/delta')).length,
    fromDeltaLink: graphCalls.filter((r) => r.path.endsWith('/delta') && /[?&]\$deltatoken=(?!latest)/.test(r.query)).length,
  };
}

export interface RunRow {
  state: string;
  counts: string;
  error: string | null;
  /** Seconds from startSync until the run was first seen in each stage (polled every 50 ms). */
  stageSeconds: Record<string, number>;
}

/** Polls the run every 50 ms until it ends; fails when it makes no progress for 60 s. */
export async function waitForRun(databaseUrl: string, runId: string, output: () => string): Promise<RunRow> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    let last = '';
    let lastChange = Date.now();
    const started = Date.now();
    const stageSeconds: Record<string, number> = {};
    for (;;) {
      const [rows] = await connection.query(
        'SELECT state, counts, error, stage, `cursor`, item_count AS items FROM sync_runs WHERE id = ?',
        [runId],
      );
      const run = (rows as Array<Omit<RunRow, 'stageSeconds'> & { stage: string; cursor: string | null; items: number }>)[0]!;
      stageSeconds[`${run.state} ${run.stage}`] ??= Math.round(Date.now() - started) / 1000;
      if (!['QUEUED', 'RUNNING'].includes(run.state)) return { ...run, stageSeconds };
      const progress = `${run.stage} ${run.cursor} ${run.items}`;
      if (progress !== last) [last, lastChange] = [progress, Date.now()];
      if (Date.now() - lastChange > 60_000 || Date.now() > deadline)
        throw new Error(`The sync made no progress for 60 s (${progress}). Roster's output:\n${output().slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await connection.end();
  }
}

export interface SyncRows {
  memberships: number;
  invitations: number;
  outboxEmails: number;
  auditEvents: number;
  userLinks: number;
  groups: number;
  groupMembers: number;
  runItems: number;
}

/** The rows a first sync wrote (the seeded admin excluded). */
export async function writtenRows(databaseUrl: string): Promise<SyncRows> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query(`SELECT
      (SELECT COUNT(*) FROM memberships WHERE source = 'INTEGRATION') AS memberships,
      (SELECT COUNT(*) FROM invitations WHERE state = 'PENDING') AS invitations,
      (SELECT COUNT(*) FROM outbox_emails) AS outboxEmails,
      (SELECT COUNT(*) FROM audit_events WHERE actor_type = 'INTEGRATION') AS auditEvents,
      (SELECT COUNT(*) FROM external_links WHERE resource_type = 'USER') AS userLinks,
      (SELECT COUNT(*) FROM user_groups) AS \`groups\`,
      (SELECT COUNT(*) FROM group_members) AS groupMembers,
      (SELECT COUNT(*) FROM sync_run_items) AS runItems`);
    const row = (rows as Array<Record<string, string | number>>)[0]!;
    return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])) as unknown as SyncRows;
  } finally {
    await connection.end();
  }
}
