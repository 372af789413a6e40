import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { MembershipEntity } from './membership.entity.js';
import { Role } from './roles.js';

const INVITE = `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { invitedCount results { email verdict user { id jobTitle } } } }`;
const USERS = `query($search: String!) { users(filter: { search: $search }, page: { first: 50 }) { edges { node { id email jobTitle } } } }`;
const USER = `query($id: ID!) { user(id: $id) { email jobTitle } }`;
const JOB = `query($id: ID!) { importJob(id: $id) { state mapping { email name jobTitle } rows(page: { first: 50 }) { edges { node { line email verdict reason } } } } }`;
const START = `mutation($input: StartImportInput!) { startImport(input: $input) { job { id state } } }`;
const PREVIEW = `mutation($input: PreviewImportInput!) { previewImport(input: $input) { job { id } } }`;
const TOO_LONG = 'T'.repeat(121);

/** Waits for a condition with a generous cap (never a guessed sleep). */
async function eventually<T>(read: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(dialects)("a user's job title (%s)", (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, importRunner: { pollMs: 20, batchSize: 7 } });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Titles MSP' });
    await build.aUser(account.id, {
      email: 'owner@titles.test',
      role: Role.OWNER,
      password: 'owner-password',
    });
    admin = new TestClient(roster.url);
    await admin.signIn('owner@titles.test', 'owner-password');
  });
  afterAll(() => roster?.close());

  async function usersMatching(search: string): Promise<Record<string, { id: string; jobTitle: string | null }>> {
    const result = await admin.gql(USERS, { search });
    return Object.fromEntries(result.data!.users.edges.map((e: any) => [e.node.email, e.node]));
  }

  async function runImport(jobId: string): Promise<void> {
    const started = await admin.gql(START, {
      input: {
        jobId,
        defaultRole: 'MEMBER',
        sendEmails: false,
        unknownCompanies: 'SKIP',
        unknownGroups: 'SKIP',
      },
    });
    expect(started.errors).toBeUndefined();
    await eventually(async () => (await admin.gql(JOB, { id: jobId })).data!.importJob.state === 'FINISHED');
  }

  it('is set, trimmed, on every address of an invite and read back through users and user(id)', async () => {
    const invited = await admin.gql(INVITE, {
      input: {
        addresses: 'ada@invite.test, grace@invite.test',
        jobTitle: '  Service Desk Lead  ',
        sendEmail: false,
      },
    });
    expect(invited.errors).toBeUndefined();
    expect(invited.data!.inviteUsers.invitedCount).toBe(2);
    expect(invited.data!.inviteUsers.results.map((r: any) => r.user.jobTitle)).toEqual(['Service Desk Lead', 'Service Desk Lead']);

    const users = await usersMatching('invite.test');
    expect(users['ada@invite.test']!.jobTitle).toBe('Service Desk Lead');
    const grace = (await admin.gql(USER, { id: users['grace@invite.test']!.id })).data!.user;
    expect(grace).toEqual({ email: 'grace@invite.test', jobTitle: 'Service Desk Lead' });

    const blank = await admin.gql(INVITE, {
      input: { addresses: 'blank@invite.test', jobTitle: '   ', sendEmail: false },
    });
    expect(blank.data!.inviteUsers.results[0].user.jobTitle).toBeNull();
  });

  it('refuses an invite whose job title is over 120 characters, naming the field, and invites nobody', async () => {
    const refused = await admin.gql(INVITE, {
      input: { addresses: 'long@invite.test', jobTitle: TOO_LONG, sendEmail: false },
    });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.extensions!.field).toBe('input.jobTitle');
    expect(refused.errors![0]!.message).toMatch(/job title is too long \(121 characters; at most 120/);
    // The same request with a title of exactly 120 characters goes through: the refusal was the length alone.
    const accepted = await admin.gql(INVITE, {
      input: { addresses: 'long@invite.test', jobTitle: 'T'.repeat(120), sendEmail: false },
    });
    expect(accepted.data!.inviteUsers.invitedCount).toBe(1);
    expect(await roster.dataSource.getRepository(MembershipEntity).countBy({ email: 'long@invite.test' })).toBe(1);
  });

  it('comes from a CSV title column; a too-long title makes its row INVALID with the line number', async () => {
    const csv = ['Email,Name,Title', 'ada@csv.test,Ada, Technician ', `long@csv.test,Long,${TOO_LONG}`, 'nobody@csv.test,Nobody,'].join(
      '\r\n',
    );
    const response = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-roster-upload': '1', cookie: admin.cookie! },
      body: csv,
    });
    expect(response.status).toBe(201);
    const jobId = ((await response.json()) as any).job.id as string;
    const job = (await admin.gql(JOB, { id: jobId })).data!.importJob;
    expect(job.mapping).toEqual({ email: 0, name: 1, jobTitle: 2 });
    const rows = job.rows.edges.map((e: any) => e.node);
    expect(rows.map((r: any) => [r.line, r.verdict])).toEqual([
      [2, 'NEW'],
      [3, 'INVALID'],
      [4, 'NEW'],
    ]);
    expect(rows[1].reason).toBe('Line 3: the job title is too long (121 characters; at most 120 are allowed).');

    // A remap from a client that does not know the job title column keeps it; null clears it.
    const REMAP = `mutation($input: UpdateImportMappingInput!) { updateImportMapping(input: $input) { job { mapping { email name jobTitle } } } }`;
    const kept = await admin.gql(REMAP, { input: { jobId, hasHeader: true, mapping: { email: 0, name: null } } });
    expect(kept.data!.updateImportMapping.job.mapping).toEqual({ email: 0, name: null, jobTitle: 2 });
    const cleared = await admin.gql(REMAP, { input: { jobId, hasHeader: true, mapping: { email: 0, jobTitle: null } } });
    expect(cleared.data!.updateImportMapping.job.mapping.jobTitle).toBeNull();
    await admin.gql(REMAP, { input: { jobId, hasHeader: true, mapping: { email: 0, name: 1, jobTitle: 2 } } });

    await runImport(jobId);
    const users = await usersMatching('csv.test');
    expect(Object.keys(users).sort()).toEqual(['ada@csv.test', 'nobody@csv.test']);
    expect((await admin.gql(USER, { id: users['ada@csv.test']!.id })).data!.user.jobTitle).toBe('Technician');
    expect(users['nobody@csv.test']!.jobTitle).toBeNull();
  });

  it('recognises "job title" and "jobTitle" headers and comes from pasted rows too', async () => {
    for (const header of ['Job Title', 'jobTitle']) {
      const response = await fetch(`${roster.url}/api/imports?fileName=team.csv`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'x-roster-upload': '1', cookie: admin.cookie! },
        body: `Email,${header}\r\nheader@csv.test,Engineer`,
      });
      const jobId = ((await response.json()) as any).job.id as string;
      expect((await admin.gql(JOB, { id: jobId })).data!.importJob.mapping.jobTitle).toBe(1);
    }

    const preview = await admin.gql(PREVIEW, {
      input: {
        rows: [
          { email: 'pasted@rows.test', jobTitle: 'Dispatcher' },
          { email: 'long@rows.test', jobTitle: TOO_LONG },
        ],
      },
    });
    expect(preview.errors).toBeUndefined();
    const jobId = preview.data!.previewImport.job.id as string;
    const rows = (await admin.gql(JOB, { id: jobId })).data!.importJob.rows.edges.map((e: any) => e.node);
    expect(rows.map((r: any) => [r.line, r.verdict, r.reason])).toEqual([
      [1, 'NEW', null],
      [2, 'INVALID', 'Line 2: the job title is too long (121 characters; at most 120 are allowed).'],
    ]);
    await runImport(jobId);
    const users = await usersMatching('rows.test');
    expect(Object.keys(users)).toEqual(['pasted@rows.test']);
    expect(users['pasted@rows.test']!.jobTitle).toBe('Dispatcher');
  });
});
