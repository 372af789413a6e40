import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, mountApp, waitFor, type MountedApp } from '../../testing/testing';

/* Issue 14 §7: the progress bar and the percentage beside it say the same thing. */

const outcomes = {
  __typename: 'ImportOutcomeTotals',
  invited: 0,
  alreadyMember: 0,
  alreadyInvited: 0,
  invalid: 0,
  duplicate: 0,
  seatLimitReached: 0,
};

function aJob(state: string, processedRows: number, totalRows: number) {
  return {
    __typename: 'ImportJob',
    id: 'job-1',
    state,
    error: null,
    processedRows,
    totalRows,
    // As the server computes it; the page must not show a full bar for 199 of 200.
    progress: processedRows / totalRows,
    finishedAt: state === 'RUNNING' ? null : new Date().toISOString(),
    resultCsvUrl: '/api/imports/job-1/result.csv',
    failedRowsCsvUrl: '/api/imports/job-1/failed-rows.csv',
    outcomes,
    fileName: 'clients.csv',
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    createdBy: 'Olivia Owner',
    delimiter: ',',
    hasHeader: true,
    columns: ['email'],
    mapping: {
      __typename: 'ImportMappingType',
      email: 0,
      name: null,
      firstName: null,
      lastName: null,
      role: null,
      company: null,
      groups: null,
    },
    totals: {
      __typename: 'ImportPreviewTotals',
      total: totalRows,
      new: totalRows,
      alreadyMember: 0,
      alreadyInvited: 0,
      invalid: 0,
      duplicate: 0,
      unknownCompanies: [],
      unknownGroups: [],
    },
    rows: aConnection('ImportRow', []),
  };
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

async function openJob(state: string, processedRows: number, totalRows: number) {
  const job = aJob(state, processedRows, totalRows);
  app = await mountApp(
    fakeApi({
      Me: () => ({ data: { me: aViewer({ role: 'OWNER' }) } }),
      ImportJob: () => ({ data: { importJob: job } }),
      ImportJobProgress: () => ({ data: { importJob: job } }),
      ImportJobUpdated: () => new Promise(() => {}),
      ImportJobProblems: () => ({ data: { importJob: { __typename: 'ImportJob', id: 'job-1', rows: aConnection('ImportRow', []) } } }),
      ImportJobs: () => ({ data: { importJobs: aConnection('ImportJob', []) } }),
    }),
    '/users/import/job-1',
  );
  await waitFor(() => expect(app!.wrapper.find('[data-testid="import-progress"]').exists()).toBe(true));
  const bar = app.wrapper.get('[data-testid="import-progress"]');
  const fill = bar.get<HTMLElement>('.progress__fill').element.style.width;
  const counts = app.wrapper.get('[data-testid="import-counts"]').text();
  return { now: bar.attributes('aria-valuenow'), fill, counts };
}

describe('Import users: the progress bar and its percentage', () => {
  it('agree, and neither says 100 % while a row is left', async () => {
    const shown = await openJob('RUNNING', 199, 200);
    expect(shown.counts).toBe('199 of 200 rows processed (99%)');
    expect(shown.now).toBe('99');
    expect(shown.fill).toBe('99%');
  });

  it('agree on a partly done import', async () => {
    const shown = await openJob('RUNNING', 1, 3);
    expect(shown.counts).toBe('1 of 3 rows processed (33%)');
    expect(shown.now).toBe('33');
    expect(shown.fill).toBe('33%');
  });

  it('are full when the import has finished', async () => {
    const shown = await openJob('FINISHED', 200, 200);
    expect(shown.counts).toBe('200 of 200 rows processed (100%)');
    expect(shown.now).toBe('100');
    expect(shown.fill).toBe('100%');
  });
});
