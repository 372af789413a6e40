import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role } from '../accounts/roles.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { FakeClock } from '../../test/fakes/clock.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { ImportRowEntity } from './import-row.entity.js';
import { ImportRunner, type ImportRunnerOptions } from './import-runner.js';
import { ImportPreviewSweeper } from './preview-sweeper.js';

/** Issue 14 §5: what an admin gets back from an import: cancelling it, the failed rows to fix, and previews left behind. */
const JOB = `query($id: ID!) { importJob(id: $id) { id state error totalRows processedRows failedRowsCsvUrl
  mapping { email name role }
  outcomes { invited alreadyMember alreadyInvited invalid duplicate }
  rows(page: { first: 100 }) { totalCount edges { node { line email verdict reason outcome } } } } }`;
const START = `mutation($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;
const CANCEL = `mutation($input: CancelImportInput!) { cancelImport(input: $input) { job { id state error processedRows } } }`;
const quiet = { info: () => {}, error: () => {} };

describe.each(dialects)('the result of an import (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runImportRunner: false, runOutboxWorker: false, runWebhookWorker: false, runSyncEngine: false },
    );
    const build = builders(roster.dataSource);
    accountId = (await build.anAccount({ name: 'Result MSP' })).id;
    await build.aUser(accountId, { email: 'admin@result.test', name: 'Rita Admin', role: Role.ADMIN, password: 'admin-password' });
    await build.aUser(accountId, { email: 'member@result.test' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@result.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  async function upload(body: string, fileName = 'team.csv'): Promise<{ status: number; job: any }> {
    const response = await fetch(`${roster.url}/api/imports?fileName=${encodeURIComponent(fileName)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', cookie: admin.cookie!, 'x-roster-upload': '1' },
      body,
    });
    return { status: response.status, job: ((await response.json()) as { job: any }).job };
  }
  const runner = (options: ImportRunnerOptions = {}) =>
    new ImportRunner(roster.dataSource, roster.services.invitations, roster.services.events, quiet, { batchSize: 5, ...options });
  const readJob = async (id: string) => (await admin.gql(JOB, { id })).data!.importJob;
  const download = async (url: string) => {
    const response = await fetch(`${roster.url}${url}`, { headers: { cookie: admin.cookie! } });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    return bytes.subarray(3).toString('utf8');
  };
  const membersEndingWith = async (domain: string) =>
    (await roster.dataSource.getRepository(MembershipEntity).find({ where: { accountId }, select: { email: true } })).filter((m) =>
      m.email.endsWith(domain),
    ).length;

  it('cancels a running import between batches: written rows stay, the job ends CANCELLED saying where it stopped', async () => {
    const file = 'email,name\n' + Array.from({ length: 20 }, (_, i) => `p${i}@cancel.test,Person ${i}`).join('\n');
    const { job } = await upload(file);
    await admin.gql(START, { input: { jobId: job.id, sendEmails: false } });

    let answer: any;
    const first = runner({
      afterBatch: async (_job, processed) => {
        if (processed === 5) answer = await admin.gql(CANCEL, { input: { jobId: job.id } });
      },
    });
    // The runner hands the job back unfinished: it noticed the cancellation before its second batch.
    expect(await first.runAll()).toBe(0);
    expect(answer.data.cancelImport.job).toEqual({
      id: job.id,
      state: 'CANCELLED',
      processedRows: 5,
      error: 'Cancelled by Rita Admin after 5 of 20 rows.',
    });
    const cancelled = await readJob(job.id);
    expect(cancelled).toMatchObject({ state: 'CANCELLED', processedRows: 5, outcomes: { invited: 5 } });
    expect(cancelled.rows.edges.filter((e: any) => e.node.outcome === 'INVITED')).toHaveLength(5);
    expect(await membersEndingWith('@cancel.test')).toBe(5);
    const audit = await roster.dataSource.getRepository(AuditEventEntity).findOneByOrFail({ action: 'import.cancelled', targetId: job.id });
    expect(JSON.parse(audit.details!)).toMatchObject({ processedRows: 5, totalRows: 20 });

    // It cannot be started (or cancelled) again, and no runner picks it up.
    const restart = await admin.gql(START, { input: { jobId: job.id } });
    expect(restart.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.jobId' });
    expect(restart.errors?.[0]?.message).toMatch(/cancelled and cannot be started again/);
    expect((await admin.gql(CANCEL, { input: { jobId: job.id } })).errors?.[0]?.message).toBe('This import was already cancelled.');
    expect(await runner().runAll()).toBe(0);
    expect(await membersEndingWith('@cancel.test')).toBe(5);

    // Its failed rows are the 15 it did not reach; uploaded again as they are, they are the next 15 new users.
    const failed = await download(cancelled.failedRowsCsvUrl);
    const lines = failed.trim().split('\r\n');
    expect(lines[0]).toBe('email,name,Why not imported');
    expect(lines).toHaveLength(16);
    expect(lines[1]).toBe('p5@cancel.test,Person 5,"Line 7: not imported, the import was cancelled before this row."');
    const again = await readJob((await upload(failed, 'rest.csv')).job.id);
    expect(again.rows.edges.map((e: any) => e.node.verdict)).toEqual(Array(15).fill('NEW'));
  });

  it('refuses to cancel an import that is not running', async () => {
    const { job } = await upload('email\nnot-started@cancel.test\n');
    const refused = await admin.gql(CANCEL, { input: { jobId: job.id } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.jobId' });
    expect(refused.errors?.[0]?.message).toBe('This import has not started; there is nothing to cancel.');
    expect((await readJob(job.id)).state).toBe('PREVIEW');
  });

  it('downloads the failed rows in the file’s own columns, with a reason a re-import ignores; fixed, they import', async () => {
    const file = [
      'Email;Full Name;Role;Notes',
      'ok1@failed.test;Ok One;;first',
      'not-an-email;Bad Address;;second',
      'ok1@failed.test;Ok Again;;third',
      'boss@failed.test;Boss;emperor;fourth',
      'member@result.test;Already Here;;fifth',
    ].join('\r\n');
    const { job } = await upload(file);
    await admin.gql(START, { input: { jobId: job.id, sendEmails: false } });
    expect(await runner().runAll()).toBe(1);
    const finished = await readJob(job.id);
    expect(finished.outcomes).toEqual({ invited: 1, alreadyMember: 1, alreadyInvited: 0, invalid: 2, duplicate: 1 });

    // The result CSV says what the page says, not enum codes.
    const result = (await download(`/api/imports/${job.id}/result.csv`)).trim().split('\r\n');
    expect(result[0]).toBe('line,email,name,role,company,groups,verdict,outcome,reason');
    expect(result[1]).toBe('2,ok1@failed.test,Ok One,,,,New,Invited,');
    expect(result[3]).toBe('4,ok1@failed.test,Ok Again,,,,Duplicate,Duplicate,Line 4: ok1@failed.test appears earlier in the file.');
    expect(result[5]).toBe('6,member@result.test,Already Here,,,,Already a member,Already a member,Already a member of this account.');

    const failed = await download(finished.failedRowsCsvUrl);
    expect(failed.trim().split('\r\n')).toEqual([
      'Email;Full Name;Role;Notes;Why not imported',
      'not-an-email;Bad Address;;second;"Line 3: ""not-an-email"" is not a valid email: The address has no ""@""."',
      'ok1@failed.test;Ok Again;;third;Line 4: ok1@failed.test appears earlier in the file.',
      'boss@failed.test;Boss;emperor;fourth;"Line 5: unknown role ""emperor"" (use Member or Administrator)."',
    ]);

    // Uploaded back as it is: the same columns are found, the reason column is ignored, each row is judged afresh.
    const back = await readJob((await upload(failed, 'failed-rows.csv')).job.id);
    expect(back.mapping).toEqual({ email: 0, name: 1, role: 2 });
    expect(back.rows.edges.map((e: any) => [e.node.line, e.node.verdict])).toEqual([
      [2, 'INVALID'],
      [3, 'ALREADY_INVITED'],
      [4, 'INVALID'],
    ]);
    expect(back.rows.edges[0].node.reason).toBe('Line 2: "not-an-email" is not a valid email: The address has no "@".');

    // Fixed in place (the reasons left as they are), the rows come back new.
    const fixed = failed.replace('not-an-email;', 'fixed@failed.test;').replace(';emperor;', ';Member;');
    const fixedJob = await readJob((await upload(fixed, 'fixed.csv')).job.id);
    expect(fixedJob.rows.edges.map((e: any) => [e.node.email, e.node.verdict])).toEqual([
      ['fixed@failed.test', 'NEW'],
      ['ok1@failed.test', 'ALREADY_INVITED'],
      ['boss@failed.test', 'NEW'],
    ]);
  });

  it('lists only the failed and skipped rows when asked by outcome', async () => {
    const { job } = await upload('email\nfine@outcome.test\nbroken\nmember@result.test\n');
    await admin.gql(START, { input: { jobId: job.id, sendEmails: false } });
    await runner().runAll();
    const problems = await admin.gql(
      `query($id: ID!) { importJob(id: $id) { rows(outcomes: [INVALID, DUPLICATE, ALREADY_MEMBER, ALREADY_INVITED]) {
        totalCount edges { node { line outcome outcomeReason } } } } }`,
      { id: job.id },
    );
    expect(problems.data!.importJob.rows.totalCount).toBe(2);
    expect(problems.data!.importJob.rows.edges.map((e: any) => [e.node.line, e.node.outcome])).toEqual([
      [3, 'INVALID'],
      [4, 'ALREADY_MEMBER'],
    ]);
  });

  it('expires a preview nobody started after a day and deletes its rows; a younger one stays', async () => {
    const { job } = await upload('email\nlate1@expiry.test\nlate2@expiry.test\n');
    const clock = new FakeClock();
    const sweeper = new ImportPreviewSweeper(roster.dataSource, quiet, { now: clock.now, intervalMs: 20 });
    const rowsOf = () => roster.dataSource.getRepository(ImportRowEntity).countBy({ jobId: job.id });
    expect(await rowsOf()).toBe(3);

    clock.advance(23 * 3600_000);
    expect(await sweeper.sweep()).toBe(0);
    expect((await readJob(job.id)).state).toBe('PREVIEW');
    expect(await rowsOf()).toBe(3);

    clock.advance(2 * 3600_000);
    sweeper.start();
    try {
      await eventually(
        async () =>
          (await roster.dataSource.getRepository(ImportJobEntity).findOneByOrFail({ id: job.id })).state === ImportJobState.EXPIRED,
        'the sweeper expiring the day-old preview',
      );
    } finally {
      await sweeper.stop();
    }
    expect(await rowsOf()).toBe(0);
    expect(await readJob(job.id)).toMatchObject({
      state: 'EXPIRED',
      error: 'This preview was not started within a day, so its rows were removed. Upload the file again.',
      rows: { totalCount: 0 },
    });
    const start = await admin.gql(START, { input: { jobId: job.id } });
    expect(start.errors?.[0]?.message).toBe('This preview expired after a day without being started; upload the file again.');
  });
});
