import { createHash, randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { renderInvitationEmail } from '../../packages/server/src/mail/invitation-email.js';
import { sqlDateTime } from '../lib/seed.js';

/**
 * The import baseline: what writing the rows of a CSV import costs with nothing but mysql2. It reads the
 * same CSV text and writes the same rows into the same tables as Roster's import runner does for a new
 * user: a membership (INVITED, source CSV), a PENDING invitation (only the SHA-256 of a 32-byte token
 * stored), a PENDING outbox email (the same template, rendered by Roster's pure `renderInvitationEmail`,
 * so the rows have the same size) and a `user.invited` audit event. Per batch: one SELECT for emails that
 * already belong to the account, then one transaction with one multi-row INSERT per table.
 *
 * What it leaves out is what makes Roster's import resumable and visible: the per-row verdict table
 * (import_rows: read, then rewritten with outcomes), the job's progress and lease, the ORM and the events.
 */
export interface ImportBaselineOptions {
  databaseUrl: string;
  accountId: string;
  accountName: string;
  inviterPersonId: string;
  inviterName: string;
  invitationLifetimeDays: number;
  /** Base of accept links, e.g. Roster's public URL, so links (and emails) have the same length. */
  publicUrl: string;
  /** Users per transaction (Roster's import runner commits one batch per transaction; default 500 there too). */
  batchSize: number;
  /** The CSV file as uploaded (header `email,name,role`, comma-separated, no quoting needed). */
  csv: string;
  /** Called after each committed batch with the number of rows done so far. */
  onProgress?: (rowsDone: number) => void;
}

export interface ImportBaselineResult {
  rows: number;
  invited: number;
  statements: number;
  transactions: number;
}

export async function runImportBaseline(options: ImportBaselineOptions): Promise<ImportBaselineResult> {
  const lines = options.csv
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const header = lines
    .shift()!
    .split(',')
    .map((cell) => cell.trim().toLowerCase());
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`The baseline's CSV has no "${name}" column.`);
    return index;
  };
  const [emailAt, nameAt, roleAt] = [column('email'), column('name'), column('role')];

  const connection = await mysql.createConnection({ uri: options.databaseUrl, timezone: 'Z' });
  let statements = 0;
  let transactions = 0;
  let invited = 0;
  const query = async (sql: string, values?: unknown[]) => {
    statements++;
    return connection.query(sql, values);
  };
  try {
    for (let start = 0; start < lines.length; start += options.batchSize) {
      const batch = lines.slice(start, start + options.batchSize).map((line) => {
        const cells = line.split(',');
        const role = (cells[roleAt] ?? '').trim().toLowerCase();
        return {
          email: (cells[emailAt] ?? '').trim().toLowerCase(),
          name: (cells[nameAt] ?? '').trim() || null,
          role: role === 'administrator' || role === 'admin' ? 'ADMIN' : 'MEMBER',
        };
      });
      const [existingRows] = await query('SELECT email FROM memberships WHERE account_id = ? AND email IN (?)', [
        options.accountId,
        batch.map((row) => row.email),
      ]);
      const existing = new Set((existingRows as Array<{ email: string }>).map((row) => row.email));
      const fresh = batch.filter((row) => !existing.has(row.email));
      if (fresh.length === 0) continue;

      const now = new Date();
      const nowSql = sqlDateTime(now);
      const expiresAt = new Date(now.getTime() + options.invitationLifetimeDays * 86_400_000);
      const expiresSql = sqlDateTime(expiresAt);
      const memberships: unknown[][] = [];
      const invitations: unknown[][] = [];
      const outbox: unknown[][] = [];
      const audit: unknown[][] = [];
      const details = (role: string) => JSON.stringify({ role, sendEmail: true, source: 'CSV' });
      for (const row of fresh) {
        const membershipId = randomUUID();
        const invitationId = randomUUID();
        const token = randomBytes(32).toString('base64url');
        const acceptUrl = `${options.publicUrl}/invitations/${token}`;
        const email = renderInvitationEmail({
          mspName: options.accountName,
          inviterName: options.inviterName,
          inviteeName: row.name,
          acceptUrl,
          expiresAt,
        });
        memberships.push([membershipId, options.accountId, row.email, row.name, row.role, 'INVITED', 'CSV', nowSql, nowSql]);
        invitations.push([
          invitationId,
          options.accountId,
          membershipId,
          row.email,
          createHash('sha256').update(token, 'utf8').digest('hex'),
          'PENDING',
          row.role,
          options.inviterPersonId,
          1,
          'QUEUED',
          0,
          expiresSql,
          nowSql,
        ]);
        outbox.push([
          randomUUID(),
          options.accountId,
          invitationId,
          row.email,
          email.subject,
          email.html,
          email.text,
          acceptUrl,
          'PENDING',
          0,
          nowSql,
          nowSql,
        ]);
        audit.push([
          randomUUID(),
          options.accountId,
          'PERSON',
          options.inviterPersonId,
          'user.invited',
          membershipId,
          row.email,
          details(row.role),
          nowSql,
        ]);
      }
      await query('START TRANSACTION');
      try {
        await query('INSERT INTO memberships (id, account_id, email, name, role, status, source, created_at, updated_at) VALUES ?', [
          memberships,
        ]);
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
        await query('COMMIT');
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {});
        throw error;
      }
      transactions++;
      invited += fresh.length;
      options.onProgress?.(Math.min(lines.length, start + options.batchSize));
    }
  } finally {
    await connection.end();
  }
  return { rows: lines.length, invited, statements, transactions };
}
