import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { FakeResend } from '../../packages/server/test/fakes/resend.js';
import { runImportBaseline } from '../baselines/import-sql.js';
import { startChildRoster, type ChildRoster } from '../lib/child-roster.js';
import { databaseCpuCounter } from '../lib/cpu.js';
import { withThrowawayDatabase } from '../lib/mariadb.js';
import { gitRevision, machineInfo, printTable, round1, writeResult } from '../lib/report.js';
import { seedAccount } from '../lib/seed.js';
import { migrate } from './import/database.js';

/**
 * Delivery benchmark: 20,000 queued invitation emails drained by two Roster instances (child processes sharing
 * one MariaDB database and Redis) into a fake Resend that allows the team 2 requests per second (429 with
 * retry-after beyond it), 100 emails per batch call, and honours Idempotency-Key. The ceiling is 200 emails/s;
 * the target is 90% of it sustained, with no email lost and none delivered twice.
 */

const EMAILS = Number(process.env.BENCH_DELIVER_EMAILS ?? 20_000);
const RATE = Number(process.env.BENCH_DELIVER_RATE ?? 2);
const BATCH = 100;
const CEILING = RATE * BATCH;
const TARGET = 0.9 * CEILING;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVER_MODE = process.env.BENCH_DELIVER_SERVER === 'dist' ? 'dist' : 'source';
const STALL_MS = 60_000;

export default async function main(): Promise<void> {
  console.log(
    `Delivery benchmark: ${EMAILS.toLocaleString('en')} invitation emails, two Roster instances, a fake Resend at ${RATE} requests/s and ${BATCH} emails per batch (ceiling ${CEILING} emails/s, target >= ${TARGET})`,
  );
  const code = gitRevision();
  console.log(`- code: ${code.commit ?? 'unknown'}${code.serverDirty ? ' + uncommitted changes in packages/server' : ''}`);
  // A new team each run: the shared schedule in Redis is keyed by the API key, so no earlier run's slots linger.
  const resend = await new FakeResend(`re_bench_${randomBytes(12).toString('hex')}`, {
    requestsPerSecond: RATE,
    keepBodies: false,
  }).start();
  try {
    await withThrowawayDatabase(async (db) => {
      const migrations = await migrate(db.url);
      const seeded = await seedAccount(db.url, { users: 1, companies: 0, groups: 0 });
      let started = Date.now();
      const recipients = Array.from({ length: EMAILS }, (_, i) => `invitee-${String(i).padStart(6, '0')}@clients.bench.test`);
      const csv = ['email,name,role', ...recipients.map((email, i) => `${email},Invitee ${i},member`)].join('\n');
      await runImportBaseline({
        databaseUrl: db.url,
        accountId: seeded.accountId,
        accountName: 'Bench MSP',
        inviterPersonId: seeded.admin.personId,
        inviterName: 'Alex Admin',
        invitationLifetimeDays: 7,
        publicUrl: 'http://127.0.0.1:4000',
        batchSize: 2_000,
        csv,
        onProgress: (done) =>
          process.stdout.write(`\r- queueing invitations: ${done.toLocaleString('en')} / ${EMAILS.toLocaleString('en')}`),
      });
      console.log(
        `\n- database ${db.name}: ${migrations} migrations, ${EMAILS.toLocaleString('en')} invitations with their emails queued in outbox_emails (multi-row INSERTs, ${Date.now() - started} ms)`,
      );

      const env = {
        DATABASE_URL: db.url,
        REDIS_URL,
        RESEND_API_KEY: resend.apiKey,
        RESEND_BASE_URL: resend.url,
        RESEND_REQUESTS_PER_SECOND: String(RATE),
        MAIL_FROM: 'Bench MSP <invitations@bench.test>',
      };
      const dbCpu = await databaseCpuCounter(db.url);
      const dbCpuAtStart = dbCpu?.() ?? null;
      started = Date.now();
      let cpuMs: number[] = [];
      const children: ChildRoster[] = await Promise.all(
        ['A', 'B'].map((name) => startChildRoster(name, env, { mode: SERVER_MODE, startTimeoutMs: 120_000 })),
      );
      try {
        console.log(
          `- instances A (pid ${children[0]!.pid}) and B (pid ${children[1]!.pid}) started (${SERVER_MODE === 'source' ? 'src/main.ts under tsx' : 'dist/main.js'}, NODE_ENV=production, Redis ${REDIS_URL}) in ${Date.now() - started} ms; both drain the outbox from their start`,
        );
        await waitForDrain(db.url, resend);
        cpuMs = children.map((child) => child.cpuMs() ?? 0);
      } finally {
        await Promise.all(children.map((child) => child.stop()));
      }
      const dbCpuMs = dbCpu && dbCpuAtStart !== null ? (dbCpu() ?? dbCpuAtStart) - dbCpuAtStart : null;
      await report(db.url, resend, recipients, { instancesCpuMs: cpuMs, dbCpuMs, code });
    });
  } finally {
    await resend.stop();
  }
}

/** Waits until the outbox holds no pending email, printing progress every 5 s; fails when nothing moves for a minute. */
async function waitForDrain(databaseUrl: string, resend: FakeResend): Promise<void> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    // The instances began draining while the second one was still starting.
    let lastCount = resend.delivered.length;
    let lastChange = Date.now();
    let lastPrint = Date.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const delivered = resend.delivered.length;
      if (delivered !== lastCount) lastChange = Date.now();
      const due = Date.now() - lastPrint >= 5_000;
      if (due || delivered >= EMAILS) {
        const [rows] = await connection.query("SELECT COUNT(*) AS n FROM outbox_emails WHERE state = 'PENDING'");
        const pending = Number((rows as Array<{ n: number | string }>)[0]!.n);
        if (!due && pending > 0) continue;
        const perSecond = ((delivered - lastCount) * 1000) / Math.max(1, Date.now() - lastPrint);
        console.log(
          `  ${delivered.toLocaleString('en').padStart(6)} delivered (${((100 * delivered) / EMAILS).toFixed(0).padStart(3)}%)  ${perSecond.toFixed(0).padStart(4)} emails/s over the last ${((Date.now() - lastPrint) / 1000).toFixed(0)} s  ${resend.requests.length} requests, ${resend.rateLimited} answered 429  ${pending.toLocaleString('en')} pending in the outbox`,
        );
        lastPrint = Date.now();
        lastCount = delivered;
        if (pending === 0) return;
      }
      if (Date.now() - lastChange > STALL_MS)
        throw new Error(`No email was delivered for ${STALL_MS / 1000} s (${delivered} of ${EMAILS}).`);
    }
  } finally {
    await connection.end();
  }
}

async function report(
  databaseUrl: string,
  resend: FakeResend,
  recipients: string[],
  extra: { instancesCpuMs: number[]; dbCpuMs: number | null; code: ReturnType<typeof gitRevision> },
): Promise<void> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  let states: Record<string, number>;
  try {
    const [rows] = await connection.query('SELECT state, COUNT(*) AS n FROM outbox_emails GROUP BY state');
    states = Object.fromEntries((rows as Array<{ state: string; n: number | string }>).map((row) => [row.state, Number(row.n)]));
  } finally {
    await connection.end();
  }
  const counts = resend.countsByRecipient();
  const lost = recipients.filter((to) => !counts.has(to)).length;
  const twice = recipients.filter((to) => (counts.get(to) ?? 0) > 1).length;
  const times = resend.delivered.map((email) => email.at).sort((a, b) => a - b);
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  // Emails accepted after the first instant, over the time from the first acceptance to the last (the first batch
  // arrives at an instant, so counting it would overstate the rate).
  const atFirst = times.filter((t) => t === first).length;
  const sustained = (times.length - atFirst) / Math.max(0.001, (last - first) / 1000);
  // The middle 80%: without the start (instances warming up) and the tail (the last, partly filled batches).
  const at10 = times[Math.floor(times.length * 0.1)] ?? first;
  const at90 = times[Math.floor(times.length * 0.9)] ?? last;
  const middle = (Math.floor(times.length * 0.9) - Math.floor(times.length * 0.1)) / Math.max(0.001, (at90 - at10) / 1000);
  const keys = new Map<string | null, number>();
  for (const request of resend.requests) keys.set(request.idempotencyKey, (keys.get(request.idempotencyKey) ?? 0) + 1);
  const repeatedCalls = [...keys.values()].reduce((sum, n) => sum + n - 1, 0);
  const result = {
    emails: recipients.length,
    delivered: resend.delivered.length,
    lost,
    deliveredTwice: twice,
    outboxStates: states,
    throughputEmailsPerSec: round1(sustained),
    middle80EmailsPerSec: round1(middle),
    ceilingEmailsPerSec: CEILING,
    target: TARGET,
    targetMet: sustained >= TARGET && lost === 0 && twice === 0,
    firstToLastDeliverySeconds: round1((last - first) / 1000),
    requests: resend.requests.length,
    answered429: resend.rateLimited,
    repeatedCalls,
    emailsPerRequest: round1(resend.delivered.length / Math.max(1, resend.requests.filter((r) => r.status === 200).length)),
    instancesCpuMs: extra.instancesCpuMs,
    dbCpuMs: extra.dbCpuMs,
    settings: { rate: RATE, batch: BATCH, instances: 2, server: SERVER_MODE },
    code: extra.code,
    machine: machineInfo(),
    at: new Date().toISOString(),
  };
  console.log('');
  printTable(
    [
      ['emails', 'emails/s (first→last)', 'middle 80%', 'ceiling', 'lost', 'twice', 'requests', '429s', 'repeated calls', 'seconds'],
      [
        result.emails,
        result.throughputEmailsPerSec,
        result.middle80EmailsPerSec,
        CEILING,
        lost,
        twice,
        result.requests,
        result.answered429,
        repeatedCalls,
        result.firstToLastDeliverySeconds,
      ],
    ],
    [true, true, true, true, true, true, true, true, true, true],
  );
  console.log(
    `\nInstances' CPU: ${extra.instancesCpuMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' and ')}; MariaDB: ${extra.dbCpuMs === null ? 'n/a' : `${(extra.dbCpuMs / 1000).toFixed(1)} s`}. Outbox: ${JSON.stringify(states)}.`,
  );
  console.log(
    `Target: >= ${TARGET} emails/s, 0 lost, 0 delivered twice: ${result.targetMet ? 'met' : 'MISSED'}. Written to ${writeResult('deliver', result)}`,
  );
}
