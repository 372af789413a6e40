import type { DOMWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, mountApp, settle, waitFor, type MountedApp, type Responder } from '../../testing/testing';

/* Issue 14 §5: a running import can be cancelled; a finished one lists what it did not invite; an old preview expires. */

const outcomes = (o: Partial<Record<'invited' | 'alreadyMember' | 'alreadyInvited' | 'invalid' | 'duplicate', number>> = {}) => ({
  __typename: 'ImportOutcomeTotals',
  invited: 0,
  alreadyMember: 0,
  alreadyInvited: 0,
  invalid: 0,
  duplicate: 0,
  seatLimitReached: 0,
  ...o,
});

function progressOf(state: string, processedRows: number, extra: Record<string, unknown> = {}) {
  return {
    __typename: 'ImportJob',
    id: 'job-1',
    state,
    error: null,
    processedRows,
    totalRows: 5,
    progress: processedRows / 5,
    finishedAt: state === 'RUNNING' ? null : new Date().toISOString(),
    resultCsvUrl: '/api/imports/job-1/result.csv',
    failedRowsCsvUrl: '/api/imports/job-1/failed-rows.csv',
    outcomes: outcomes(),
    ...extra,
  };
}

/** The whole job as the ImportJob query reads it. */
function aJob(state: string, processedRows: number, extra: Record<string, unknown> = {}) {
  return {
    ...progressOf(state, processedRows),
    fileName: 'clients.csv',
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    createdBy: 'Olivia Owner',
    delimiter: ',',
    hasHeader: true,
    columns: ['email', 'name'],
    mapping: {
      __typename: 'ImportMappingType',
      email: 0,
      name: 1,
      firstName: null,
      lastName: null,
      role: null,
      company: null,
      groups: null,
    },
    totals: {
      __typename: 'ImportPreviewTotals',
      total: 5,
      new: 5,
      alreadyMember: 0,
      alreadyInvited: 0,
      invalid: 0,
      duplicate: 0,
      unknownCompanies: [],
      unknownGroups: [],
    },
    rows: aConnection('ImportRow', []),
    ...extra,
  };
}

function aProblem(line: number, outcome: string, reason: string, email: string | null, cells: string[] = [email ?? '', '']) {
  return {
    __typename: 'ImportRow',
    id: String(line),
    line,
    email,
    name: null,
    verdict: outcome,
    reason,
    outcome,
    outcomeReason: reason,
    cells,
  };
}

function api(overrides: Record<string, Responder>) {
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role: 'OWNER' }) } }),
    ImportJobProblems: ({ variables }) => ({
      data: { importJob: { __typename: 'ImportJob', id: variables.id, rows: aConnection('ImportRow', []) } },
    }),
    // Live progress stays silent: each test moves the job on by itself.
    ImportJobUpdated: () => new Promise(() => {}),
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    ImportJobs: () => ({ data: { importJobs: aConnection('ImportJob', []) } }),
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});
const text = () => app!.wrapper.text();
function button(name: string, within: Pick<DOMWrapper<Element>, 'findAll'> = app!.wrapper) {
  const found = within.findAll('button').find((b) => b.text() === name);
  if (!found) throw new Error(`No button "${name}"`);
  return found;
}

describe('Import users: cancelling a running import', () => {
  it('asks first, then stops it and says where it stopped, offering the rows it did not reach', async () => {
    let cancelled = false;
    const error = 'Cancelled by Olivia Owner after 2 of 5 rows.';
    const fake = api({
      ImportJob: () => ({
        data: { importJob: cancelled ? aJob('CANCELLED', 2, { error, outcomes: outcomes({ invited: 2 }) }) : aJob('RUNNING', 2) },
      }),
      ImportJobProgress: () => ({ data: { importJob: cancelled ? progressOf('CANCELLED', 2, { error }) : progressOf('RUNNING', 2) } }),
      CancelImport: () => {
        cancelled = true;
        return {
          data: {
            cancelImport: {
              __typename: 'ImportJobPayload',
              job: progressOf('CANCELLED', 2, { error, outcomes: outcomes({ invited: 2 }) }),
            },
          },
        };
      },
    });
    app = await mountApp(fake, '/users/import/job-1');
    await waitFor(() => expect(text()).toContain('Importing clients.csv…'));

    // A first click only asks; "Keep importing" leaves it running.
    await button('Cancel import').trigger('click');
    const confirm = app.wrapper.get('[data-testid="cancel-confirm"]');
    expect(confirm.text()).toContain('The 2 rows already imported stay');
    await button('Keep importing').trigger('click');
    expect(app.wrapper.find('[data-testid="cancel-confirm"]').exists()).toBe(false);
    expect(fake.calls('CancelImport')).toHaveLength(0);

    await button('Cancel import').trigger('click');
    await button('Stop import').trigger('click');
    await settle();
    expect(fake.lastCall('CancelImport')!.variables).toEqual({ input: { jobId: 'job-1' } });
    await waitFor(() => expect(text()).toContain('Import cancelled'));
    expect(app.wrapper.get('[data-testid="import-summary"]').text()).toBe('2 users invited. Cancelled by Olivia Owner after 2 of 5 rows.');
    expect(app.wrapper.find('[data-testid="cancel-import"]').exists()).toBe(false);
    // The 3 rows it did not reach can be downloaded and imported later.
    const download = app.wrapper.get('a[data-testid="download-failed-rows"]');
    expect(download.text()).toBe('Download failed rows');
    expect(download.attributes('href')).toBe('/api/imports/job-1/failed-rows.csv');
    expect(text()).toContain('3 rows can be fixed');
  });

  it('says why it could not be cancelled', async () => {
    app = await mountApp(
      api({
        ImportJob: () => ({ data: { importJob: aJob('RUNNING', 4) } }),
        ImportJobProgress: () => ({ data: { importJob: progressOf('RUNNING', 4) } }),
        CancelImport: () => ({
          data: null,
          errors: [{ message: 'This import has already finished.', extensions: { code: 'BAD_USER_INPUT' } }],
        }),
      }),
      '/users/import/job-1',
    );
    await waitFor(() => button('Cancel import'));
    await button('Cancel import').trigger('click');
    await button('Stop import').trigger('click');
    await settle();
    expect(app.wrapper.get('[data-testid="cancel-error"]').text()).toBe('This import has already finished.');
  });
});

describe('Import users: the finished import', () => {
  it('lists the rows it did not invite with their reasons, and offers the failed ones for download', async () => {
    const problems = [
      aProblem(4, 'ALREADY_MEMBER', 'Already a member of this account.', 'olivia@northwind-msp.example'),
      aProblem(5, 'INVALID', 'Line 5: "nomail.example" is not a valid email: The address has no "@".', null, ['nomail.example', 'No Mail']),
      aProblem(6, 'DUPLICATE', 'Line 6: ann@contoso.example appears earlier in the file.', 'ann@contoso.example'),
    ];
    const fake = api({
      ImportJob: () => ({
        data: {
          importJob: aJob('FINISHED', 5, { progress: 1, outcomes: outcomes({ invited: 2, alreadyMember: 1, invalid: 1, duplicate: 1 }) }),
        },
      }),
      ImportJobProblems: ({ variables }) => ({
        data: { importJob: { __typename: 'ImportJob', id: variables.id, rows: aConnection('ImportRow', problems) } },
      }),
    });
    app = await mountApp(fake, '/users/import/job-1');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="failed-row"]')).toHaveLength(3));
    expect(fake.lastCall('ImportJobProblems')!.variables).toEqual({ id: 'job-1', page: { first: 25 } });
    expect(app.wrapper.get('[data-testid="failed-rows"] h3').text()).toBe('Not invited: 3 rows');
    const rows = app.wrapper.findAll('[data-testid="failed-row"]').map((r) => r.findAll('td').map((c) => c.text()));
    expect(rows).toEqual([
      ['4', 'olivia@northwind-msp.example', 'Already a member', 'Already a member of this account.'],
      ['5', 'nomail.example', 'Invalid', 'Line 5: "nomail.example" is not a valid email: The address has no "@".'],
      ['6', 'ann@contoso.example', 'Duplicate', 'Line 6: ann@contoso.example appears earlier in the file.'],
    ]);
    expect(app.wrapper.get('a[data-testid="download-failed-rows"]').attributes('href')).toBe('/api/imports/job-1/failed-rows.csv');
    expect(text()).toContain('2 rows can be fixed');
  });

  it('offers no failed rows to download when every row was invited or already there', async () => {
    app = await mountApp(
      api({
        ImportJob: () => ({ data: { importJob: aJob('FINISHED', 5, { progress: 1, outcomes: outcomes({ invited: 5 }) }) } }),
      }),
      '/users/import/job-1',
    );
    await waitFor(() => expect(text()).toContain('Every row was invited.'));
    expect(app.wrapper.find('[data-testid="download-failed-rows"]').exists()).toBe(false);
  });
});

describe('Import users: an expired preview', () => {
  it('says it expired and offers to upload the file again', async () => {
    app = await mountApp(
      api({
        ImportJob: () => ({
          data: {
            importJob: aJob('EXPIRED', 0, {
              error: 'This preview was not started within a day, so its rows were removed. Upload the file again.',
            }),
          },
        }),
      }),
      '/users/import/job-1',
    );
    await waitFor(() => expect(app!.wrapper.find('[data-testid="import-expired"]').exists()).toBe(true));
    expect(app.wrapper.get('[data-testid="import-expired"]').text()).toBe(
      'This preview expired. This preview was not started within a day, so its rows were removed. Upload the file again.',
    );
    expect(text()).toContain('Upload the file again');
    expect(app.wrapper.findAll('label').some((l) => l.text() === 'CSV file')).toBe(true);
  });
});
