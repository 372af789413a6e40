import type { DOMWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  aConnection,
  aServerInfo,
  aViewer,
  fakeApi,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type RecordedOperation,
  type Responder,
} from '../../testing/testing';

/* Builders: an import job and its rows as the API returns them. */

interface RowSpec {
  line: number;
  email: string | null;
  name?: string | null;
  role?: 'OWNER' | 'ADMIN' | 'MEMBER' | null;
  company?: string | null;
  groups?: string[];
  verdict: 'NEW' | 'ALREADY_MEMBER' | 'ALREADY_INVITED' | 'INVALID' | 'DUPLICATE';
  reason?: string | null;
  cells?: string[];
}

function aRow(spec: RowSpec) {
  return {
    __typename: 'ImportRow',
    line: spec.line,
    email: spec.email,
    name: spec.name ?? null,
    role: spec.role ?? null,
    company: spec.company ?? null,
    groups: spec.groups ?? [],
    verdict: spec.verdict,
    reason: spec.reason ?? null,
    outcome: null,
    outcomeReason: null,
    cells: spec.cells ?? [spec.email ?? '', spec.name ?? ''],
  };
}

const previewRows: RowSpec[] = [
  {
    line: 2,
    email: 'ann@contoso.example',
    name: 'Ann Lee',
    role: 'ADMIN',
    company: 'Contoso',
    groups: ['Helpdesk', 'Billing'],
    verdict: 'NEW',
  },
  { line: 3, email: 'bo@newco.example', name: 'Bo Chen', company: 'NewCo', groups: ['Night shift'], verdict: 'NEW' },
  {
    line: 4,
    email: 'olivia@northwind-msp.example',
    name: 'Olivia Owner',
    verdict: 'ALREADY_MEMBER',
    reason: 'Already a member of this account.',
  },
  {
    line: 5,
    email: null,
    name: 'No Mail',
    verdict: 'INVALID',
    reason: 'Line 5: "nomail.example" is not a valid email: The address has no "@".',
    cells: ['nomail.example', 'No Mail'],
  },
  {
    line: 6,
    email: 'ann@contoso.example',
    name: 'Ann again',
    verdict: 'DUPLICATE',
    reason: 'Line 6: ann@contoso.example appears earlier in the file.',
  },
];

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

/** The progress fields (what startImport and importJobUpdated send). */
function progressOf(state: string, processedRows: number, extra: Record<string, unknown> = {}) {
  return {
    __typename: 'ImportJob',
    id: 'job-1',
    state,
    error: null,
    processedRows,
    totalRows: 5,
    progress: processedRows / 5,
    finishedAt: state === 'FINISHED' ? new Date().toISOString() : null,
    resultCsvUrl: '/api/imports/job-1/result.csv',
    failedRowsCsvUrl: '/api/imports/job-1/failed-rows.csv',
    outcomes: outcomes(),
    ...extra,
  };
}

function aJob(state: string, variables: Record<string, any>, extra: Record<string, unknown> = {}) {
  const rows = previewRows.filter((r) => !variables.verdict || r.verdict === variables.verdict);
  return {
    ...progressOf(state, state === 'PREVIEW' ? 0 : 5),
    fileName: 'clients.csv',
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    startedAt: null,
    createdBy: 'Olivia Owner',
    delimiter: ';',
    hasHeader: true,
    columns: ['Email', 'Full name', 'Given name', 'Surname', 'Role', 'Company', 'Groups'],
    mapping: { __typename: 'ImportMappingType', email: 0, name: 1, firstName: null, lastName: null, role: 4, company: 5, groups: 6 },
    totals: {
      __typename: 'ImportPreviewTotals',
      total: 5,
      new: 2,
      alreadyMember: 1,
      alreadyInvited: 0,
      invalid: 1,
      duplicate: 1,
      unknownCompanies: ['NewCo'],
      unknownGroups: ['Night shift'],
    },
    rows: {
      __typename: 'ImportRowConnection',
      totalCount: rows.length,
      pageInfo: { __typename: 'PageInfo', hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      edges: rows.map((r) => ({ __typename: 'ImportRowEdge', cursor: `row:${r.line}`, node: aRow(r) })),
    },
    ...extra,
  };
}

function api(overrides: Record<string, Responder> = {}, options: { importMaxBytes?: number } = {}) {
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role: 'OWNER' }) } }),
    ServerInfo: () => ({ data: { serverInfo: aServerInfo({ importMaxBytes: options.importMaxBytes }) } }),
    ImportJob: ({ variables }) => ({ data: { importJob: aJob('PREVIEW', variables) } }),
    ImportJobs: () => ({ data: { importJobs: { ...aConnection('User', []), __typename: 'ImportJobConnection', edges: [] } } }),
    ImportJobProblems: ({ variables }) => ({
      data: {
        importJob: {
          __typename: 'ImportJob',
          id: variables.id,
          rows: { ...aConnection('ImportRow', []), __typename: 'ImportRowConnection' },
        },
      },
    }),
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const text = () => app!.wrapper.text();
const rowEl = (line: number) => app!.wrapper.get(`[data-testid="import-row"][data-line="${line}"]`);
const chip = (verdict: string) => app!.wrapper.get(`[data-testid="verdict-chip"][data-verdict="${verdict}"]`);
function button(name: string | RegExp, within: DOMWrapper<Element> | MountedApp['wrapper'] = app!.wrapper) {
  const found = within.findAll('button').find((b) => (typeof name === 'string' ? b.text() === name : name.test(b.text())));
  if (!found) throw new Error(`No button "${name}"`);
  return found;
}
/** The <select> whose <label> reads `label`. */
function select(label: string) {
  const labelEl = app!.wrapper.findAll('label').find((l) => l.text() === label);
  if (!labelEl) throw new Error(`No label "${label}"`);
  return app!.wrapper.get(`#${CSS.escape(labelEl.attributes('for')!)}`);
}
async function openPreview(fake = api()) {
  app = await mountApp(fake, '/users/import/job-1');
  await waitFor(() => expect(app!.wrapper.findAll('[data-testid="import-row"]')).toHaveLength(5));
  return fake;
}

describe('Import users: the preview', () => {
  it('shows a total per verdict, every row with its verdict and reason, and what was detected in the file', async () => {
    const fake = await openPreview();
    expect(fake.lastCall('ImportJob')!.variables).toEqual({ id: 'job-1', page: { first: 25 }, verdict: null });

    expect(chip('NEW').text()).toBe('2New');
    expect(chip('ALREADY_MEMBER').text()).toBe('1Already a member');
    expect(chip('ALREADY_INVITED').text()).toBe('0Already invited');
    expect(chip('INVALID').text()).toBe('1Invalid');
    expect(chip('DUPLICATE').text()).toBe('1Duplicate');
    expect(text()).toContain('clients.csv · uploaded 5 minutes ago · by Olivia Owner');
    expect(app!.wrapper.get('[data-testid="detected-delimiter"]').text()).toBe('Delimiter: Semicolon (;)');
    expect(app!.wrapper.get('[data-testid="detected-header"]').text()).toBe('Header row: yes');

    const ann = rowEl(2);
    expect(ann.text()).toContain('ann@contoso.example');
    expect(ann.text()).toContain('Ann Lee');
    expect(ann.text()).toContain('Administrator');
    expect(ann.text()).toContain('Helpdesk, Billing');
    expect(ann.get('[data-testid="row-verdict"]').text()).toBe('New');
    // An invalid row shows the email as typed, its red badge and the reason with its line number.
    const invalid = rowEl(5);
    expect(invalid.text()).toContain('nomail.example');
    expect(invalid.get('[data-testid="row-verdict"]').text()).toBe('Invalid');
    expect(invalid.get('[data-testid="row-verdict"]').classes()).toContain('badge--red');
    expect(invalid.get('[data-testid="row-reason"]').text()).toBe('Line 5: "nomail.example" is not a valid email: The address has no "@".');
    expect(rowEl(6).get('[data-testid="row-reason"]').text()).toBe('Line 6: ann@contoso.example appears earlier in the file.');
    expect(text()).toContain('Showing 1–5 of 5 rows');

    // Unknown names, each with its own choice.
    expect(app!.wrapper.get('[data-testid="unknown-companies"]').text()).toBe('NewCo');
    expect(app!.wrapper.get('[data-testid="unknown-groups"]').text()).toBe('Night shift');
    expect(button('Import 2 users').attributes('disabled')).toBeUndefined();
  });

  it('filters the rows by verdict when a total is clicked, and back to all rows', async () => {
    const fake = await openPreview();
    await chip('INVALID').trigger('click');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="import-row"]')).toHaveLength(1));
    expect(fake.lastCall('ImportJob')!.variables.verdict).toBe('INVALID');
    expect(chip('INVALID').attributes('aria-pressed')).toBe('true');
    expect(rowEl(5).text()).toContain('No Mail');
    expect(text()).toContain('Showing 1–1 of 1 row');

    await chip('ALL').trigger('click');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="import-row"]')).toHaveLength(5));
    expect(fake.lastCall('ImportJob')!.variables.verdict).toBeNull();
  });

  it('sends the chosen columns when the mapping is applied, then reads the rows again', async () => {
    let remapped = false;
    const fake = await openPreview(
      api({
        UpdateImportMapping: ({ variables }) => {
          remapped = true;
          return {
            data: {
              updateImportMapping: {
                __typename: 'ImportJobPayload',
                job: {
                  __typename: 'ImportJob',
                  id: variables.input.jobId,
                  state: 'PREVIEW',
                  hasHeader: variables.input.hasHeader,
                  columns: [],
                  totalRows: 5,
                },
              },
            },
          };
        },
        ImportJob: ({ variables }) =>
          remapped
            ? {
                data: {
                  importJob: aJob('PREVIEW', variables, {
                    hasHeader: false,
                    mapping: {
                      __typename: 'ImportMappingType',
                      email: 0,
                      name: null,
                      firstName: 2,
                      lastName: 3,
                      role: null,
                      company: 5,
                      groups: 6,
                    },
                  }),
                },
              }
            : { data: { importJob: aJob('PREVIEW', variables) } },
      }),
    );
    const apply = button('Apply mapping');
    expect(apply.attributes('disabled')).toBeDefined();
    expect((select('Name').element as HTMLSelectElement).selectedOptions[0]!.text).toBe('Full name');

    await select('Name').setValue('');
    await select('First name').setValue('2');
    await select('Last name').setValue('3');
    await select('Role').setValue('');
    await app!.wrapper
      .findAll('label')
      .find((l) => l.text() === 'First row is a header')!
      .get('input')
      .setValue(false);
    expect(text()).toContain('Not applied yet.');
    // Starting now would import with the old columns: it waits for the mapping.
    expect(button(/^Import \d/).attributes('disabled')).toBeDefined();

    const readsBefore = fake.calls('ImportJob').length;
    await button('Apply mapping').trigger('click');
    await settle();

    expect(fake.calls('UpdateImportMapping')).toHaveLength(1);
    expect(fake.lastCall('UpdateImportMapping')!.variables.input).toEqual({
      jobId: 'job-1',
      hasHeader: false,
      mapping: { email: 0, name: null, firstName: 2, lastName: 3, role: null, company: 5, groups: 6 },
    });
    await waitFor(() => expect(fake.calls('ImportJob').length).toBeGreaterThan(readsBefore));
    await waitFor(() => expect(app!.wrapper.get('[data-testid="detected-header"]').text()).toBe('Header row: no'));
    expect(text()).not.toContain('Not applied yet.');
    expect(button('Import 2 users').attributes('disabled')).toBeUndefined();
  });

  it('will not apply a mapping without an email column', async () => {
    const fake = await openPreview(api({ UpdateImportMapping: () => new Error('not expected') }));
    await select('Email').setValue('');
    expect(text()).toContain('Choose the column that holds the email address.');
    expect(button('Apply mapping').attributes('disabled')).toBeDefined();
    expect(fake.calls('UpdateImportMapping')).toHaveLength(0);
  });
});

describe('Import users: running the import', () => {
  it('starts with the chosen options, shows the progress bar, then the finished totals and the result download', async () => {
    let serverState = 'PREVIEW';
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const finishedJob = progressOf('FINISHED', 5, {
      progress: 1,
      outcomes: outcomes({ invited: 2, alreadyMember: 1, invalid: 1, duplicate: 1 }),
    });
    const fake = await openPreview(
      api({
        ImportJob: ({ variables }) =>
          serverState === 'FINISHED'
            ? { data: { importJob: { ...aJob('PREVIEW', variables), ...finishedJob } } }
            : { data: { importJob: aJob(serverState, variables) } },
        StartImport: () => {
          serverState = 'RUNNING';
          return {
            data: {
              startImport: { __typename: 'ImportJobPayload', job: { ...progressOf('RUNNING', 2), startedAt: new Date().toISOString() } },
            },
          };
        },
        ImportJobUpdated: async () => {
          await finished;
          serverState = 'FINISHED';
          return { data: { importJobUpdated: finishedJob } };
        },
      }),
    );

    await select('Default role').setValue('ADMIN');
    await app!.wrapper
      .findAll('label')
      .find((l) => l.text() === 'Send invitation emails')!
      .get('input')
      .setValue(false);
    const skipCompanies = app!.wrapper
      .get('[role="radiogroup"][aria-labelledby]')
      .findAll('label')
      .find((l) => l.text() === 'Skip them')!;
    await skipCompanies.get('input').setValue(true);
    await button('Import 2 users').trigger('click');
    await settle();

    expect(fake.lastCall('StartImport')!.variables.input).toEqual({
      jobId: 'job-1',
      defaultRole: 'ADMIN',
      sendEmails: false,
      unknownCompanies: 'SKIP',
      unknownGroups: 'CREATE',
    });
    const bar = app!.wrapper.get('[data-testid="import-progress"]');
    expect(bar.attributes('role')).toBe('progressbar');
    expect(bar.attributes('aria-valuenow')).toBe('40');
    expect(app!.wrapper.get('[data-testid="import-counts"]').text()).toContain('2 of 5 rows processed');
    expect(text()).toContain('Importing clients.csv…');
    expect(fake.calls('ImportJobUpdated')[0]!.variables).toEqual({ id: 'job-1' });
    expect(app!.wrapper.find('[data-testid="download-result"]').exists()).toBe(false);

    finish();
    await waitFor(() => expect(text()).toContain('Import finished'));
    expect(app!.wrapper.get('[data-testid="import-progress"]').attributes('aria-valuenow')).toBe('100');
    expect(app!.wrapper.get('[data-testid="import-counts"]').text()).toContain('5 of 5 rows processed');
    expect(app!.wrapper.get('[data-testid="import-summary"]').text()).toBe('2 users invited.');
    const totals = Object.fromEntries(
      app!.wrapper.findAll('[data-testid="outcome-total"]').map((o) => [o.attributes('data-outcome'), o.text()]),
    );
    expect(totals).toEqual({
      INVITED: '2Invited',
      ALREADY_MEMBER: '1Already a member',
      ALREADY_INVITED: '0Already invited',
      INVALID: '1Invalid',
      DUPLICATE: '1Duplicate',
    });
    const download = app!.wrapper.get('a[data-testid="download-result"]');
    expect(download.text()).toBe('Download result CSV');
    expect(download.attributes('href')).toBe('/api/imports/job-1/result.csv');
    expect(download.attributes('download')).toBeDefined();

    const usersReadsBefore = fake.calls('UsersPage').length;
    await button('Back to users').trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/users'), 15_000);
    await waitFor(() => expect(fake.calls('UsersPage').length).toBeGreaterThan(usersReadsBefore));
  });

  it('polls the import every 2 s when live updates fail, until it finishes', async () => {
    let finished = false;
    const finishedJob = progressOf('FINISHED', 5, { progress: 1, outcomes: outcomes({ invited: 2 }) });
    const fake = await openPreview(
      api({
        ImportJob: ({ variables }) => ({ data: { importJob: { ...aJob('PREVIEW', variables), ...(finished ? finishedJob : {}) } } }),
        StartImport: () => ({
          data: { startImport: { __typename: 'ImportJobPayload', job: { ...progressOf('RUNNING', 1), startedAt: null } } },
        }),
        ImportJobUpdated: () => new Error('WebSocket closed: 1006'),
        ImportJobProgress: () => {
          finished = true;
          return { data: { importJob: finishedJob } };
        },
      }),
    );
    await button('Import 2 users').trigger('click');
    await settle();
    expect(app!.wrapper.get('[data-testid="import-progress"]').attributes('aria-valuenow')).toBe('20');
    expect(fake.calls('ImportJobProgress')).toHaveLength(0);

    await waitFor(() => expect(text()).toContain('Import finished'), 5000);
    expect(fake.calls('ImportJobProgress')[0]!.variables).toEqual({ id: 'job-1' });
    expect(app!.wrapper.get('[data-testid="import-summary"]').text()).toBe('2 users invited.');
    expect(app!.wrapper.get('[data-testid="download-result"]').attributes('href')).toBe('/api/imports/job-1/result.csv');
  });

  it('says why the import could not start and keeps the preview', async () => {
    await openPreview(
      api({
        StartImport: () => ({ data: null, errors: [{ message: 'This import already started.', extensions: { code: 'BAD_USER_INPUT' } }] }),
      }),
    );
    await button('Import 2 users').trigger('click');
    await settle();
    expect(app!.wrapper.get('[data-testid="start-error"]').text()).toBe('This import already started.');
    expect(app!.wrapper.findAll('[data-testid="import-row"]')).toHaveLength(5);
  });
});

describe('Import users: choosing a file', () => {
  function chooseFile(file: File) {
    const label = app!.wrapper.findAll('label').find((l) => l.text() === 'CSV file')!;
    const input = app!.wrapper.get(`#${CSS.escape(label.attributes('for')!)}`);
    expect(input.attributes('type')).toBe('file');
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
    return input.trigger('change');
  }
  const jsonResponse = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('is reached from the Users page, shows the limit and the template, uploads the file and opens its preview', async () => {
    const fetchSpy = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(jsonResponse(201, { job: { id: 'job-1', state: 'PREVIEW', error: null, totalRows: 5 } }));
    app = await mountApp(api({}, { importMaxBytes: 5 * 1024 * 1024 }), '/users');
    await waitFor(() => button('Import CSV'));
    await button('Import CSV').trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/users/import'));
    await waitFor(() => expect(text()).toContain('Up to 5 MB.'));
    const template = app!.wrapper.findAll('a').find((a) => a.text() === 'Download template')!;
    expect(template.attributes('href')).toBe('/api/imports/template.csv');

    await chooseFile(new File(['email\nann@contoso.example\n'], 'clients list.csv', { type: 'text/csv' }));
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/users/import/job-1'));
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(url).toBe('/api/imports?fileName=clients%20list.csv');
    expect(init).toMatchObject({
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'text/csv', 'x-roster-upload': '1' },
    });
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="import-row"]')).toHaveLength(5));
  });

  it('shows why a rejected file could not be read, and stays ready for another file', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      jsonResponse(422, { job: { state: 'REJECTED', error: 'The file is not text: it looks like a binary file.' } }),
    );
    app = await mountApp(api(), '/users/import');
    await chooseFile(new File(['\u0000\u0001'], 'photo.csv'));
    await waitFor(() => expect(app!.wrapper.find('[data-testid="upload-error"]').exists()).toBe(true));
    const alert = app!.wrapper.get('[data-testid="upload-error"]');
    expect(alert.attributes('role')).toBe('alert');
    expect(alert.text()).toBe('photo.csv could not be read. The file is not text: it looks like a binary file.');
    expect(app!.router.currentRoute.value.path).toBe('/users/import');
    expect(app!.wrapper.findAll('label').some((l) => l.text() === 'CSV file')).toBe(true);
  });

  it("shows the server's refusal, such as a file over the limit", async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      jsonResponse(413, { error: { code: 'FILE_TOO_LARGE', message: 'The file is larger than 5 MB.' } }),
    );
    app = await mountApp(api(), '/users/import');
    await chooseFile(new File(['email\n'], 'big.csv'));
    await waitFor(() =>
      expect(app!.wrapper.get('[data-testid="upload-error"]').text()).toBe('The file was not uploaded. The file is larger than 5 MB.'),
    );
  });

  it('refuses a file larger than the server accepts without uploading it', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    app = await mountApp(api({}, { importMaxBytes: 1024 }), '/users/import');
    await waitFor(() => expect(text()).toContain('Up to 1 KB.'));
    await chooseFile(new File(['x'.repeat(3000)], 'huge.csv'));
    await settle();
    expect(app!.wrapper.get('[data-testid="upload-error"]').text()).toBe(
      'This file is too large. huge.csv is 2.9 KB; the largest file accepted is 1 KB. Split it into smaller files and import them one by one.',
    );
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('opens a rejected import from its address with the reason and a new file chooser', async () => {
    app = await mountApp(
      api({
        ImportJob: ({ variables }) => ({
          data: { importJob: aJob('REJECTED', variables, { error: 'The file is empty.', fileName: 'empty.csv' }) },
        }),
      }),
      '/users/import/job-1',
    );
    await waitFor(() => expect(app!.wrapper.find('[data-testid="import-rejected"]').exists()).toBe(true));
    expect(app!.wrapper.get('[data-testid="import-rejected"]').text()).toBe('empty.csv could not be read. The file is empty.');
    expect(text()).toContain('Choose another file');
  });

  it('lists past imports with who ran them, their state and how many were invited', async () => {
    const job = (id: string, fileName: string, state: string, invited: number) => ({
      __typename: 'ImportJob',
      id,
      fileName,
      createdBy: 'Olivia Owner',
      createdAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
      finishedAt: null,
      state,
      error: null,
      totalRows: 10,
      outcomes: outcomes({ invited }),
    });
    const jobs = [job('j2', 'march.csv', 'FINISHED', 8), job('j1', 'draft.csv', 'PREVIEW', 0)];
    const fake = api({
      ImportJobs: () => ({
        data: {
          importJobs: {
            __typename: 'ImportJobConnection',
            totalCount: 2,
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, hasPreviousPage: false, startCursor: 'c2', endCursor: 'c1' },
            edges: jobs.map((node) => ({ __typename: 'ImportJobEdge', cursor: `c-${node.id}`, node })),
          },
        },
      }),
    });
    app = await mountApp(fake, '/users/import');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="past-import"]')).toHaveLength(2));
    const [march, draft] = app!.wrapper.findAll('[data-testid="past-import"]');
    expect(march!.text()).toContain('march.csv');
    expect(march!.text()).toContain('Olivia Owner');
    expect(march!.text()).toContain('2 hours ago');
    expect(march!.text()).toContain('Finished');
    expect(march!.findAll('td.num').map((c) => c.text())).toEqual(['10', '8']);
    expect(draft!.text()).toContain('Preview');
    expect(march!.get('a').attributes('href')).toBe('/users/import/j2');
    expect(text()).toContain('Showing 1–2 of 2 imports');
    expect((fake.lastCall('ImportJobs') as RecordedOperation).variables).toEqual({ page: { first: 10 } });
  });
});
