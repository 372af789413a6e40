import { createHash, randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { renderInvitationEmail } from '../../packages/server/src/mail/invitation-email.js';
import type { FakeGraphGroup, FakeGraphUser } from '../../packages/server/test/fakes/microsoft-graph.js';
import { sqlDateTime } from '../lib/seed.js';

/**
 * The sync baseline: what writing the rows of a first directory sync costs with nothing but mysql2. It takes the
 * fake tenant's users and groups from memory (no HTTP) and writes, per page of 999 users (Graph's page), in one
 * transaction with one multi-row INSERT per table, what Roster's first sync writes for a new user: a membership
 * (INVITED, source INTEGRATION, its external id), a PENDING invitation (the SHA-256 of a 32-byte token), a PENDING
 * outbox email (the same template, rendered by Roster's `renderInvitationEmail`), a `user.invited` audit event, the
 * external link (with a SHA-256 fingerprint) and the run's item; then the run's progress (one UPDATE). Then the
 * groups: the groups, their links, their members, `group.created` and `group.member_added` audit events and items.
 *
 * What it leaves out is what makes Roster's sync idempotent, resumable and visible: reading the directory over
 * HTTP, the lookups of existing links and users, the run's lease, the ORM and the live events.
 */
export interface SyncBaselineOptions {
  databaseUrl: string;
  accountId: string;
  accountName: string;
  inviterPersonId: string;
  inviterName: string;
  invitationLifetimeDays: number;
  publicUrl: string;
  users: FakeGraphUser[];
  groups: FakeGraphGroup[];
  pageSize: number;
}

export interface SyncBaselineResult {
  statements: number;
  transactions: number;
}

export async function runSyncBaseline(options: SyncBaselineOptions): Promise<SyncBaselineResult> {
  const connection = await mysql.createConnection({ uri: options.databaseUrl, timezone: 'Z' });
  let statements = 0;
  let transactions = 0;
  const query = async (sql: string, values?: unknown[]) => {
    statements++;
    return connection.query(sql, values);
  };
  const transaction = async (work: () => Promise<void>) => {
    await query('START TRANSACTION');
    try {
      await work();
      await query('COMMIT');
      transactions++;
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => {});
      throw error;
    }
  };
  const { accountId } = options;
  const integrationId = randomUUID();
  const runId = randomUUID();
  const actor = ['INTEGRATION', integrationId] as const;
  try {
    const startedSql = sqlDateTime(new Date());
    await query(
      "INSERT INTO integrations (id, account_id, type, name, status, options, created_by, created_at, updated_at) VALUES (?, ?, 'MICROSOFT_ENTRA', 'Baseline', 'CONNECTED', '{}', ?, ?, ?)",
      [integrationId, accountId, options.inviterPersonId, startedSql, startedSql],
    );
    await query(
      "INSERT INTO sync_runs (id, account_id, integration_id, active_key, state, stage, `trigger`, counts, created_at, started_at) VALUES (?, ?, ?, ?, 'RUNNING', 'USERS', 'MANUAL', '{}', ?, ?)",
      [runId, accountId, integrationId, integrationId, startedSql, startedSql],
    );
    let position = 0;
    const membershipOf = new Map<string, string>();
    for (let start = 0; start < options.users.length; start += options.pageSize) {
      const page = options.users.slice(start, start + options.pageSize);
      const now = new Date();
      const nowSql = sqlDateTime(now);
      const expiresAt = new Date(now.getTime() + options.invitationLifetimeDays * 86_400_000);
      const expiresSql = sqlDateTime(expiresAt);
      const [memberships, invitations, outbox, audit, links, items]: unknown[][][] = [[], [], [], [], [], []];
      for (const user of page) {
        const email = (user.mail ?? user.userPrincipalName).toLowerCase();
        const membershipId = randomUUID();
        membershipOf.set(user.id, membershipId);
        const invitationId = randomUUID();
        const token = randomBytes(32).toString('base64url');
        const acceptUrl = `${options.publicUrl}/invitations/${token}`;
        const rendered = renderInvitationEmail({
          mspName: options.accountName,
          inviterName: options.inviterName,
          inviteeName: user.displayName,
          acceptUrl,
          expiresAt,
        });
        const fingerprint = createHash('sha256')
          .update(JSON.stringify([user.id, email, user.displayName, user.accountEnabled, null]))
          .digest('hex');
        memberships.push([membershipId, accountId, email, user.displayName, 'MEMBER', 'INVITED', 'INTEGRATION', user.id, nowSql, nowSql]);
        invitations.push([
          invitationId,
          accountId,
          membershipId,
          email,
          createHash('sha256').update(token, 'utf8').digest('hex'),
          'PENDING',
          'MEMBER',
          options.inviterPersonId,
          1,
          'QUEUED',
          0,
          expiresSql,
          nowSql,
        ]);
        outbox.push([
          randomUUID(),
          accountId,
          invitationId,
          email,
          rendered.subject,
          rendered.html,
          rendered.text,
          acceptUrl,
          'PENDING',
          0,
          nowSql,
          nowSql,
        ]);
        audit.push([
          randomUUID(),
          accountId,
          ...actor,
          'user.invited',
          membershipId,
          email,
          JSON.stringify({ role: 'MEMBER', sendEmail: true, source: 'INTEGRATION' }),
          nowSql,
        ]);
        links.push([randomUUID(), integrationId, accountId, 'USER', user.id, membershipId, fingerprint, nowSql, nowSql]);
        items.push([runId, accountId, position++, 'USER', user.id, email, 'CREATED', membershipId, 'Invited.']);
      }
      await transaction(async () => {
        await query(
          'INSERT INTO memberships (id, account_id, email, name, role, status, source, external_id, created_at, updated_at) VALUES ?',
          [memberships],
        );
        await query(
          'INSERT INTO invitations (id, account_id, membership_id, email, token_hash, state, role, invited_by_person_id, send_email, delivery_status, send_count, expires_at, created_at) VALUES ?',
          [invitations],
        );
        await query(
          'INSERT INTO outbox_emails (id, account_id, invitation_id, to_address, subject, html, text_body, action_url, state, attempts, next_attempt_at, created_at) VALUES ?',
          [outbox],
        );
        await query(
          'INSERT INTO audit_events (id, account_id, actor_type, actor_id, action, target_id, target_email, details, created_at) VALUES ?',
          [audit],
        );
        await insertLinksAndItems(query, links, items);
        await query('UPDATE sync_runs SET `cursor` = ?, item_count = ? WHERE id = ?', [`page-${start}`, position, runId]);
      });
    }
    for (let start = 0; start < options.groups.length; start += options.pageSize) {
      const page = options.groups.slice(start, start + options.pageSize);
      const nowSql = sqlDateTime(new Date());
      const [groups, links, members, audit, items]: unknown[][][] = [[], [], [], [], []];
      for (const group of page) {
        const groupId = randomUUID();
        groups.push([groupId, accountId, group.displayName, group.description, group.id, nowSql, nowSql]);
        links.push([randomUUID(), integrationId, accountId, 'GROUP', group.id, groupId, null, nowSql, nowSql]);
        audit.push([
          randomUUID(),
          accountId,
          ...actor,
          'group.created',
          groupId,
          null,
          JSON.stringify({ name: group.displayName, integrationId }),
          nowSql,
        ]);
        for (const memberId of group.members) {
          const membershipId = membershipOf.get(memberId);
          if (!membershipId) continue;
          members.push([groupId, membershipId, accountId]);
          audit.push([randomUUID(), accountId, ...actor, 'group.member_added', membershipId, null, JSON.stringify({ groupId }), nowSql]);
        }
        items.push([runId, accountId, position++, 'GROUP', group.id, group.displayName, 'CREATED', groupId, null]);
      }
      await transaction(async () => {
        await query('INSERT INTO user_groups (id, account_id, name, description, external_id, created_at, updated_at) VALUES ?', [groups]);
        await query('INSERT INTO group_members (group_id, membership_id, account_id) VALUES ?', [members]);
        for (let i = 0; i < audit.length; i += 5000)
          await query(
            'INSERT INTO audit_events (id, account_id, actor_type, actor_id, action, target_id, target_email, details, created_at) VALUES ?',
            [audit.slice(i, i + 5000)],
          );
        await insertLinksAndItems(query, links, items);
        await query('UPDATE sync_runs SET `cursor` = ?, item_count = ? WHERE id = ?', [`groups-${start}`, position, runId]);
      });
    }
  } finally {
    await connection.end();
  }
  return { statements, transactions };
}

async function insertLinksAndItems(query: (sql: string, values?: unknown[]) => Promise<unknown>, links: unknown[][], items: unknown[][]) {
  await query(
    'INSERT INTO external_links (id, integration_id, account_id, resource_type, external_id, local_id, fingerprint, last_seen_at, created_at) VALUES ?',
    [links],
  );
  await query(
    'INSERT INTO sync_run_items (run_id, account_id, position, resource_type, external_id, label, action, local_id, message) VALUES ?',
    [items],
  );
}
