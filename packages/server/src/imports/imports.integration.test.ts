import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { InvitationEntity } from '../invitations/invitation.entity.js';
import { OutboxEmailEntity } from '../mail/outbox-email.entity.js';
import { ImportJobEntity } from './import-job.entity.js';
import { ImportRunner } from './import-runner.js';

const JOB = `query($id: ID!) { importJob(id: $id) { id state error totalRows processedRows progress hasHeader delimiter columns
  mapping { email name role company groups }
  totals { total new alreadyMember alreadyInvited invalid duplicate unknownCompanies unknownGroups }
  outcomes { invited alreadyMember alreadyInvited invalid duplicate } createdBy resultCsvUrl
  rows(page: { first: 100 }) { totalCount edges { node { line email verdict reason outcome } } } } }`;
const START = `mutation($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;
const silent = { info: () => {}, error: () => {} };

async function upload(
  roster: TestRoster,
  client: TestClient | null,
  body: string | Buffer,
  headers: Record<string, string> = { 'x-roster-upload': '1' },
) {
  const response = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', ...(client?.cookie ? { cookie: client.cookie } : {}), ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function waitFor<T>(read: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(dialects)('importing users from CSV (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, importRunner: { pollMs: 20, batchSize: 7 } });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Import MSP' });
    accountId = account.id;
    await build.aCompany(account.id, 'Contoso');
    await build.aUser(account.id, { email: 'admin@import.test', role: Role.OWNER, password: 'admin-password' });
    await build.aUser(account.id, { email: 'member@import.test' });
    await build.aUser(account.id, { email: 'pending@import.test', status: UserStatus.INVITED });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@import.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  const messyFile = [
    '\uFEFFEmail;Full Name;Role;Company;Groups',
    'Ada@New.test;Ada Lovelace;Administrator;contoso;Helpdesk, Billing',
    'member@import.test;Already Here;;;',
    'PENDING@import.test;Pending;;;',
    'not-an-email;Bad;;;',
    'ada@new.test;Ada Again;;;',
    '"grace@new.test";"Hopper; Grace";member;Fabrikam;',
    'evil@new.test;=HYPERLINK("http://x");;;',
    'bob@new.test;Bob;emperor;;',
    '',
    'last@new.test;Last;;;Helpdesk;',
  ].join('\r\n');

  it('previews every row with its verdict, line number and the unknown companies and groups, writing no user', async () => {
    const before = await roster.dataSource.getRepository(MembershipEntity).count();
    const { status, body } = await upload(roster, admin, messyFile);
    expect(status).toBe(201);
    const job = (await admin.gql(JOB, { id: body.job.id })).data!.importJob;
    expect(job).toMatchObject({
      state: 'PREVIEW',
      delimiter: ';',
      hasHeader: true,
      totalRows: 9,
      mapping: { email: 0, name: 1, role: 2, company: 3, groups: 4 },
    });
    expect(job.totals).toEqual({
      total: 9,
      new: 4,
      alreadyMember: 1,
      alreadyInvited: 1,
      invalid: 2,
      duplicate: 1,
      unknownCompanies: ['Fabrikam'],
      unknownGroups: ['Billing', 'Helpdesk'],
    });
    const rows = job.rows.edges.map((e: any) => e.node);
    expect(rows.map((r: any) => [r.line, r.verdict])).toEqual([
      [2, 'NEW'],
      [3, 'ALREADY_MEMBER'],
      [4, 'ALREADY_INVITED'],
      [5, 'INVALID'],
      [6, 'DUPLICATE'],
      [7, 'NEW'],
      [8, 'NEW'],
      [9, 'INVALID'],
      [11, 'NEW'],
    ]);
    expect(rows[3].reason).toMatch(/^Line 5: "not-an-email" is not a valid email/);
    expect(rows[7].reason).toMatch(/^Line 9: unknown role "emperor"/);
    expect(await roster.dataSource.getRepository(MembershipEntity).count()).toBe(before);
  });

  it('imports in the background with live progress, then reports every row; a re-run creates nothing new', async () => {
    const { body } = await upload(roster, admin, messyFile);
    const jobId = body.job.id;
    const events: any[] = [];
    const ws = createClient({
      url: roster.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols: string[]) {
          super(url, protocols, { headers: { cookie: admin.cookie! } });
        }
      },
    });
    let subscribed: () => void = () => {};
    const firstAnswer = new Promise<void>((resolve) => (subscribed = resolve));
    const done = new Promise<void>((resolve, reject) => {
      ws.subscribe(
        {
          query: 'subscription($id: ID!) { importJobUpdated(id: $id) { state processedRows totalRows progress } }',
          variables: { id: jobId },
        },
        {
          next: (value) => {
            events.push(value.data?.importJobUpdated);
            subscribed();
            if ((value.data?.importJobUpdated as any)?.state === 'FINISHED') resolve();
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    // The subscription answers first with the job as it is: from then on it hears every change.
    await firstAnswer;
    expect(events[0]).toMatchObject({ processedRows: 0 });
    const started = await admin.gql(START, {
      input: { jobId, defaultRole: 'MEMBER', sendEmails: true, unknownCompanies: 'CREATE', unknownGroups: 'SKIP' },
    });
    expect(started.data!.startImport.job.state).toBe('RUNNING');
    await done;
    await ws.dispose();
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toMatchObject({ state: 'FINISHED', progress: 1, processedRows: 9 });

    const job = (await admin.gql(JOB, { id: jobId })).data!.importJob;
    expect(job.outcomes).toEqual({ invited: 4, alreadyMember: 1, alreadyInvited: 1, invalid: 2, duplicate: 1 });
    expect(job.createdBy).toBeTruthy();
    const users = await admin.gql(
      '{ users(filter: { search: "new.test" }, page: { first: 50 }) { edges { node { email status role name company { name } } } } }',
    );
    const byEmail = Object.fromEntries(users.data!.users.edges.map((e: any) => [e.node.email, e.node]));
    expect(Object.keys(byEmail).sort()).toEqual(['ada@new.test', 'evil@new.test', 'grace@new.test', 'last@new.test']);
    expect(byEmail['ada@new.test']).toMatchObject({ status: 'INVITED', role: 'ADMIN', name: 'Ada Lovelace', company: { name: 'Contoso' } });
    expect(byEmail['grace@new.test'].company).toEqual({ name: 'Fabrikam' });
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ accountId })).toBe(4);

    const download = Buffer.from(
      await (await fetch(`${roster.url}${job.resultCsvUrl}`, { headers: { cookie: admin.cookie! } })).arrayBuffer(),
    );
    expect([...download.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = download.subarray(3).toString('utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('line,email,name,role,company,groups,verdict,outcome,reason');
    expect(lines).toHaveLength(10);
    expect(csv).toContain(`8,evil@new.test,"'=HYPERLINK(""http://x"")"`);
    expect(lines.find((l) => l.startsWith('5,'))).toMatch(/Invalid,Invalid,"Line 5: ""not-an-email"" is not a valid email/);

    const again = await upload(roster, admin, messyFile);
    const second = (await admin.gql(JOB, { id: again.body.job.id })).data!.importJob;
    expect(second.totals).toMatchObject({ new: 0, alreadyInvited: 5 });
    await admin.gql(START, { input: { jobId: again.body.job.id } });
    await waitFor(
      async () => (await roster.dataSource.getRepository(ImportJobEntity).findOneBy({ id: again.body.job.id }))?.state === 'FINISHED',
    );
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ accountId })).toBe(4);
  });

  it('reports a name over 200 characters with its line instead of cutting it, and the good rows stay good', async () => {
    const file = `email,name\nfine@names.test,Ada Fine\nlong@names.test,${'N'.repeat(201)}\n`;
    const { body } = await upload(roster, admin, file);
    const rows = (await admin.gql(JOB, { id: body.job.id })).data!.importJob.rows.edges.map((e: any) => e.node);
    expect(rows.map((r: any) => [r.line, r.verdict])).toEqual([
      [2, 'NEW'],
      [3, 'INVALID'],
    ]);
    expect(rows[1].reason).toBe('Line 3: the name is too long (201 characters; at most 200 are allowed).');
  });

  it('gives clear messages for files it cannot read, and protects the upload', async () => {
    expect((await upload(roster, null, 'email\na@x.com\n')).status).toBe(401);
    expect((await upload(roster, admin, 'email\na@x.com\n', {})).status).toBe(400);
    const empty = await upload(roster, admin, '');
    expect(empty.status).toBe(422);
    expect(empty.body.job).toMatchObject({ state: 'REJECTED', error: 'The file is empty.' });
    const binary = await upload(roster, admin, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x14, 0]));
    expect(binary.body.job.error).toMatch(/not a CSV text file/);
    // A file where no column holds an address is one message for the file, not an "Invalid" verdict per row.
    const noEmail = await upload(roster, admin, 'name,team\nAda,Helpdesk\nBob,Billing\n');
    expect(noEmail.status).toBe(422);
    expect(noEmail.body.job).toMatchObject({
      state: 'REJECTED',
      error:
        'No column holds email addresses: the columns are "name", "team", and none of the first 2 rows holds an address. Add a column of email addresses (headed "email") and upload the file again.',
    });
    const job = (await admin.gql(JOB, { id: noEmail.body.job.id })).data!.importJob;
    expect(job).toMatchObject({ state: 'REJECTED', totalRows: 0, rows: { totalCount: 0 } });
    const refused = await admin.gql(START, { input: { jobId: noEmail.body.job.id } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    // A header that names other columns but not the email: the column of addresses is found by its cells.
    const unnamed = await upload(roster, admin, 'Name,Contact\nAda,ada@unnamed.test\n');
    const found = (await admin.gql(JOB, { id: unnamed.body.job.id })).data!.importJob;
    expect(found).toMatchObject({ state: 'PREVIEW', hasHeader: true, mapping: { email: 1, name: 0 }, totals: { new: 1 } });
  });

  it('lets the admin fix the column mapping, recomputing the verdicts', async () => {
    const { body } = await upload(roster, admin, 'Ada,ada@remap.test\nBob,bob@remap.test\n');
    const guessed = (await admin.gql(JOB, { id: body.job.id })).data!.importJob;
    expect(guessed).toMatchObject({ hasHeader: false, mapping: { email: 1, name: 0 }, totals: { new: 2 } });
    const remapped = await admin.gql(
      `mutation($input: UpdateImportMappingInput!) { updateImportMapping(input: $input) { job { totals { new invalid } } } }`,
      {
        input: { jobId: body.job.id, mapping: { email: 0, name: 1 }, hasHeader: true },
      },
    );
    expect(remapped.data!.updateImportMapping.job.totals).toEqual({ new: 0, invalid: 1 });
    const outOfRange = await admin.gql(
      `mutation($input: UpdateImportMappingInput!) { updateImportMapping(input: $input) { job { id } } }`,
      {
        input: { jobId: body.job.id, mapping: { email: 7 }, hasHeader: false },
      },
    );
    expect(outOfRange.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.mapping.email' });
  });

  it('third parties preview and import rows sent as JSON', async () => {
    const preview = await admin.gql(
      `mutation($input: PreviewImportInput!) { previewImport(input: $input) { job { id totals { new invalid } } } }`,
      {
        input: { name: 'from api', rows: [{ email: 'api1@json.test', name: 'Api One', groups: ['Helpdesk'] }, { email: 'nope' }] },
      },
    );
    expect(preview.data!.previewImport.job.totals).toEqual({ new: 1, invalid: 1 });
    const tooMany = await admin.gql(`mutation($input: PreviewImportInput!) { previewImport(input: $input) { job { id } } }`, {
      input: { rows: Array.from({ length: 10_001 }, (_, i) => ({ email: `x${i}@json.test` })) },
    });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.rows' });
  });

  it('keeps imports of one account invisible to another', async () => {
    const { body } = await upload(roster, admin, 'email\nx@iso.test\n');
    const build = builders(roster.dataSource);
    const other = await build.anAccount();
    await build.aUser(other.id, { email: 'other-admin@iso.test', role: Role.ADMIN, password: 'other-pass' });
    const outsider = new TestClient(roster.url);
    await outsider.signIn('other-admin@iso.test', 'other-pass');
    expect(errorCode(await outsider.gql(JOB, { id: body.job.id }))).toBe('NOT_FOUND');
    expect(errorCode(await outsider.gql(START, { input: { jobId: body.job.id } }))).toBe('NOT_FOUND');
    const download = await fetch(`${roster.url}/api/imports/${body.job.id}/result.csv`, { headers: { cookie: outsider.cookie! } });
    expect(download.status).toBe(404);
  });

  it('two admins importing overlapping files at the same moment end with each email exactly once', async () => {
    const build = builders(roster.dataSource);
    await build.aUser(accountId, { email: 'second-admin@import.test', role: Role.ADMIN, password: 'second-pass' });
    const second = new TestClient(roster.url);
    await second.signIn('second-admin@import.test', 'second-pass');
    const emails = Array.from({ length: 120 }, (_, i) => `overlap${i}@race.test`);
    const fileA = 'email\n' + emails.slice(0, 90).join('\n');
    const fileB = 'email\n' + emails.slice(30).reverse().join('\n');
    const [a, b] = await Promise.all([upload(roster, admin, fileA), upload(roster, second, fileB)]);
    await roster.services.importRunner.stop();
    await Promise.all([admin.gql(START, { input: { jobId: a.body.job.id } }), second.gql(START, { input: { jobId: b.body.job.id } })]);
    const runners = ['r1', 'r2'].map(
      (id) =>
        new ImportRunner(roster.dataSource, roster.services.invitations, roster.services.events, silent, { workerId: id, batchSize: 10 }),
    );
    await Promise.all(runners.map((r) => r.runAll()));
    roster.services.importRunner.start();
    const jobs = await roster.dataSource.getRepository(ImportJobEntity).findBy([{ id: a.body.job.id }, { id: b.body.job.id }]);
    expect(jobs.map((j) => j.state)).toEqual(['FINISHED', 'FINISHED']);
    const members = await roster.dataSource.getRepository(MembershipEntity).find({ where: { accountId }, select: { email: true } });
    const raceEmails = members.map((m) => m.email).filter((e) => e.endsWith('@race.test'));
    expect(raceEmails.sort()).toEqual([...emails].sort());
    const invited = jobs.reduce((n, j) => n + (JSON.parse(j.outcomes!).INVITED ?? 0), 0);
    expect(invited).toBe(120);
    const invitations = await roster.dataSource.getRepository(InvitationEntity).count({ where: { accountId } });
    const outbox = await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ accountId });
    expect(outbox).toBe(invitations - 0);
  });
});

describe.skipIf(!dialects.includes('mysql'))('an import killed at random points (MariaDB)', () => {
  let roster: TestRoster;
  let admin: TestClient;

  beforeAll(async () => {
    roster = await startTestRoster('mysql', {}, { runOutboxWorker: false, runImportRunner: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Crash MSP' });
    await build.aUser(account.id, { email: 'admin@crash.test', role: Role.ADMIN, password: 'admin-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@crash.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  it('finishes exactly once: no duplicate user, invitation or email, nothing lost', async () => {
    const total = 2000;
    const file = 'email,name\n' + Array.from({ length: total }, (_, i) => `crash${i}@kill.test,Person ${i}`).join('\n');
    const { body } = await upload(roster, admin, file);
    await admin.gql(START, { input: { jobId: body.job.id, sendEmails: true } });
    const jobRepo = roster.dataSource.getRepository(ImportJobEntity);
    const url = (roster.database.config as { url: string }).url;
    const child = () =>
      spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../../test/fixtures/import-child.ts')], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: { ...process.env, IMPORT_CHILD_DATABASE_URL: url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
    for (let kill = 0; kill < 4; kill++) {
      const before = (await jobRepo.findOneByOrFail({ id: body.job.id })).processedRows;
      const proc = child();
      await waitFor(async () => (await jobRepo.findOneByOrFail({ id: body.job.id })).processedRows > before, 60_000);
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    const last = child();
    await waitFor(async () => (await jobRepo.findOneByOrFail({ id: body.job.id })).state === 'FINISHED', 90_000);
    last.kill('SIGTERM');
    await new Promise((r) => last.once('exit', r));

    const job = await jobRepo.findOneByOrFail({ id: body.job.id });
    expect(job.processedRows).toBe(total);
    expect(JSON.parse(job.outcomes!)).toEqual({ INVITED: total });
    const members = await roster.dataSource
      .getRepository(MembershipEntity)
      .count({ where: { accountId: job.accountId, status: UserStatus.INVITED } });
    expect(members).toBe(total);
    expect(await roster.dataSource.getRepository(InvitationEntity).countBy({ accountId: job.accountId })).toBe(total);
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ accountId: job.accountId })).toBe(total);
  }, 240_000);
});
