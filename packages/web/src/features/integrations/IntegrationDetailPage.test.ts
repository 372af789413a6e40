import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  aViewer,
  buttonIn,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type Responder,
} from '../../testing/testing';
import { aPage, anIntegration, anIntegrationType, aRunItem, aScimActivityItem, aSyncRun } from './integration-builders';

const types = [anIntegrationType('SCIM'), anIntegrationType('MICROSOFT_ENTRA')];
type Run = ReturnType<typeof aSyncRun>;
type Item = ReturnType<typeof aRunItem>;

function api(
  options: {
    integration?: ReturnType<typeof anIntegration>;
    runs?: Run[];
    items?: (runId: string, action?: string) => Item[];
    activity?: () => { lastRequestAt: string | null; items: ReturnType<typeof aScimActivityItem>[] };
  } = {},
  overrides: Record<string, Responder> = {},
) {
  const integration = options.integration ?? anIntegration({ id: 'int-1' });
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role: 'ADMIN' }) } }),
    IntegrationDetail: () => ({ data: { integration, integrationTypes: types } }),
    IntegrationScimActivity: () => {
      const activity = options.activity?.() ?? { lastRequestAt: integration.lastRequestAt, items: [] };
      return {
        data: {
          integration: {
            __typename: 'Integration',
            id: integration.id,
            lastRequestAt: activity.lastRequestAt,
            scimActivity: activity.items,
          },
        },
      };
    },
    IntegrationSyncRuns: () => ({ data: { syncRuns: aPage('SyncRun', options.runs ?? [], (r) => r.id) } }),
    SyncRunItems: (op) => {
      const run = (options.runs ?? []).find((r) => r.id === op.variables.runId)!;
      const items = options.items?.(op.variables.runId, op.variables.action) ?? [];
      return { data: { syncRun: { ...run, items: aPage('SyncRunItem', items, (i) => String(i.position)) } } };
    },
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
  vi.unstubAllGlobals();
});

const alert = () => app!.wrapper.get('[role="alertdialog"]');
const toasts = () => app!.wrapper.get('[data-testid="toasts"]');

describe('Integration detail page', () => {
  it('summarises the settings and which credentials are set, never their values', async () => {
    const integration = anIntegration({
      id: 'int-1',
      credentialFieldsSet: ['tenantId', 'clientId'],
      options: { autoInvite: false, sendInvitationEmails: false, onUpstreamRemoval: 'KEEP', suspendThresholdPercent: 20 },
    });
    app = await mountApp(api({ integration }), '/integrations/int-1');
    const settings = app.wrapper.get('[data-testid="settings"]').text();
    expect(settings).toContain('Staged for review');
    expect(settings).toContain('Not sent');
    expect(settings).toContain('Kept');
    expect(settings).toContain('more than 20 % of its users');
    expect(settings).toContain('Every day');
    const credentials = app.wrapper
      .get('[data-testid="credential-fields"]')
      .findAll('li')
      .map((li) => li.text());
    expect(credentials).toEqual(['Directory (tenant) ID: Set', 'Application (client) ID: Set', 'Client secret value: Not set']);
  });

  it('a SCIM integration waits for its first request, then shows when the IdP last called and what it did', async () => {
    let activity = { lastRequestAt: null as string | null, items: [] as ReturnType<typeof aScimActivityItem>[] };
    const scim = anIntegration({ id: 'int-1', type: 'SCIM', lastRequestAt: null });
    app = await mountApp(api({ integration: scim, activity: () => activity }), '/integrations/int-1');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="scim-waiting"]').exists()).toBe(true));
    expect(app.wrapper.get('[data-testid="integration-status"]').text()).toBe('Waiting for first request');
    expect(app.wrapper.get('[data-testid="scim-waiting"]').text()).toContain('has not called Roster yet');
    expect(app.wrapper.findAll('[data-testid="scim-activity-item"]')).toHaveLength(0);

    activity = {
      lastRequestAt: new Date(Date.now() - 3 * 60_000).toISOString(),
      items: [
        aScimActivityItem('DEACTIVATED', { action: 'user.suspended', target: 'kim@contoso.example' }),
        aScimActivityItem('ERROR', { detail: 'A user with the email kim@contoso.example already exists.' }),
        aScimActivityItem('CREATED', { action: 'user.invited', target: 'kim@contoso.example' }),
      ],
    };
    await buttonIn(app.wrapper.get('[data-testid="scim-activity"]'), 'Refresh').trigger('click');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="scim-last-request"]').exists()).toBe(true));
    expect(app.wrapper.get('[data-testid="scim-last-request"]').text()).toBe('Last request 3 minutes ago');
    expect(app.wrapper.find('[data-testid="scim-waiting"]').exists()).toBe(false);
    const lines = app.wrapper.findAll('[data-testid="scim-activity-item"]');
    expect(lines).toHaveLength(3);
    const parts = (index: number) => lines[index]!.findAll('span, p').map((el) => el.text());
    expect(parts(0)).toEqual(['Deactivated', 'User suspended · kim@contoso.example']);
    expect(parts(1)).toEqual(['Error', 'POST /Users · 409', 'A user with the email kim@contoso.example already exists.']);
    expect(parts(2)).toEqual(['Created', 'User invited · kim@contoso.example']);
  });

  it('a pull integration nothing has tested yet says so instead of Connected', async () => {
    app = await mountApp(
      api({ integration: anIntegration({ id: 'int-1', status: 'NOT_TESTED', lastSyncAt: null }) }),
      '/integrations/int-1',
    );
    await waitFor(() => expect(app!.wrapper.find('[data-testid="integration-status"]').exists()).toBe(true));
    expect(app.wrapper.get('[data-testid="integration-status"]').text()).toBe('Not tested yet');
    expect(app.wrapper.get('[data-testid="integration-not-tested"]').text()).toContain('test the connection or run a sync');
    expect(app.wrapper.find('[data-testid="scim-activity"]').exists()).toBe(false);
  });

  it('rotates the SCIM token after asking, and shows the new one once with Copy', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const scim = anIntegration({ id: 'int-1', type: 'SCIM' });
    const fake = api(
      { integration: scim },
      {
        RotateScimToken: () => ({
          data: {
            rotateScimToken: {
              __typename: 'RotateScimTokenPayload',
              scimToken: 'rst_scim_cd34.brand-new-token',
              integration: { ...scim, scimTokenPrefix: 'rst_scim_cd34', scimTokenRotatedAt: new Date().toISOString() },
            },
          },
        }),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    expect(app.wrapper.get('[data-testid="token-prefix"]').text()).toBe('rst_scim_ab12');
    expect((app.wrapper.get('[data-testid="scim-base-url"]').element as HTMLInputElement).value).toBe('https://roster.example.com/scim/v2');
    // SCIM is pushed by the IdP: nothing to test, sync or schedule from here.
    expect(app.wrapper.find('[data-testid="sync-now"]').exists()).toBe(false);
    expect(app.wrapper.find('[data-testid="sync-runs-table"]').exists()).toBe(false);

    await app.wrapper.get('[data-testid="rotate-token"]').trigger('click');
    await settle();
    expect(alert().text()).toContain('The current one stops working at once');
    await buttonIn(alert(), 'Cancel').trigger('click');
    await settle();
    expect(fake.calls('RotateScimToken')).toHaveLength(0);

    await app.wrapper.get('[data-testid="rotate-token"]').trigger('click');
    await settle();
    await buttonIn(alert(), 'Rotate token').trigger('click');
    await settle();
    expect(fake.lastCall('RotateScimToken')!.variables.input).toEqual({ id: 'int-1' });
    const dialog = app.wrapper.get('[role="dialog"]');
    expect((dialog.get('[data-testid="scim-token"]').element as HTMLInputElement).value).toBe('rst_scim_cd34.brand-new-token');
    expect(dialog.get('[data-testid="token-once-warning"]').text()).toContain('you will not see it again');
    await dialog.get('button[aria-label="Copy Bearer token"]').trigger('click');
    await settle();
    expect(writeText).toHaveBeenCalledWith('rst_scim_cd34.brand-new-token');

    await dialog.get('[data-testid="token-done"]').trigger('click');
    await settle();
    expect(app.wrapper.text()).not.toContain('brand-new-token');
    expect(app.wrapper.get('[data-testid="token-prefix"]').text()).toBe('rst_scim_cd34');
  });

  it('lists the sync runs with their counts, and a run’s items with its errors when opened', async () => {
    const done = aSyncRun({ id: 'run-done', counts: { created: 3, updated: 2, suspended: 1, skipped: 4, failed: 1 } });
    const dry = aSyncRun({ id: 'run-dry', dryRun: true, trigger: 'SCHEDULE', requestedBy: null });
    const fake = api({
      runs: [done, dry],
      items: (runId) =>
        runId === 'run-done'
          ? [
              aRunItem(0, { label: 'ann@contoso.example' }),
              aRunItem(1, { label: 'bad@contoso', action: 'FAILED', message: 'Not a valid email address.' }),
            ]
          : [],
    });
    app = await mountApp(fake, '/integrations/int-1');
    const rows = app.wrapper.findAll('[data-testid="sync-run-row"]');
    expect(rows).toHaveLength(2);
    expect(
      rows[0]!
        .findAll('td')
        .slice(5)
        .map((td) => td.text()),
    ).toEqual(['3', '2', '1', '4', '1']);
    expect(rows[0]!.get('[data-testid="run-state"]').text()).toBe('Succeeded');
    expect(rows[1]!.get('[data-testid="run-dry"]').text()).toBe('Dry run');
    expect(rows[0]!.get('[data-testid="run-requested-by"]').text()).toBe('by Olivia Owner');
    expect(rows[1]!.text()).toContain('Schedule');
    expect(rows[1]!.find('[data-testid="run-requested-by"]').exists()).toBe(false);
    expect(fake.calls('SyncRunItems')).toHaveLength(0);

    const toggle = rows[0]!.get('[data-testid="toggle-run"]');
    expect(toggle.attributes('aria-expanded')).toBe('false');
    await toggle.trigger('click');
    await settle();
    expect(toggle.attributes('aria-expanded')).toBe('true');
    const items = app.wrapper.findAll('[data-testid="run-item"]');
    expect(items.map((i) => i.text())).toEqual([
      expect.stringContaining('ann@contoso.example'),
      expect.stringContaining('Not a valid email address.'),
    ]);
    expect(items[1]!.text()).toContain('Failed');
  });

  it('says which runs read only the changes, why one read everything, and which groups a run deleted', async () => {
    const delta = aSyncRun({ id: 'run-delta', incremental: true, counts: { updated: 1, deleted: 1 } });
    const full = aSyncRun({
      id: 'run-full',
      note: 'Microsoft Graph no longer knows the delta link of the last sync (it keeps them about 7 days). This run read everything instead.',
    });
    const fake = api({
      runs: [delta, full],
      items: (runId) =>
        runId === 'run-delta'
          ? [aRunItem(0, { resourceType: 'GROUP', label: 'Sales', action: 'DELETED', message: 'Deleted upstream; its users stay.' })]
          : [],
    });
    app = await mountApp(fake, '/integrations/int-1');
    const rows = app.wrapper.findAll('[data-testid="sync-run-row"]');
    expect(rows[0]!.get('[data-testid="run-incremental"]').text()).toBe('Changes only');
    expect(rows[1]!.find('[data-testid="run-incremental"]').exists()).toBe(false);
    expect(app.wrapper.get('[data-testid="run-note"]').text()).toContain('This run read everything instead.');

    await rows[0]!.get('[data-testid="toggle-run"]').trigger('click');
    await settle();
    expect(app.wrapper.get('.run-history__counts').text()).toContain('groups deleted or vault items archived 1');
    const [item] = app.wrapper.findAll('[data-testid="run-item"]');
    expect(item!.text()).toContain('Deleted');
    expect(item!.text()).toContain('Deleted upstream; its users stay.');
  });

  it('shows whom a waiting run would suspend, and confirms it after asking', async () => {
    const waiting = aSyncRun({ id: 'run-wait', state: 'AWAITING_CONFIRMATION', pendingSuspensions: 2, finishedAt: null });
    const fake = api(
      {
        integration: anIntegration({ id: 'int-1', activeRun: waiting }),
        runs: [waiting],
        items: (_runId, action) =>
          action === 'PENDING_SUSPENSION'
            ? [
                aRunItem(0, { label: 'gone1@contoso.example', action: 'PENDING_SUSPENSION' }),
                aRunItem(1, { label: 'gone2@contoso.example', action: 'PENDING_SUSPENSION' }),
              ]
            : [],
      },
      {
        ConfirmSync: () => ({ data: { confirmSync: { __typename: 'SyncRunPayload', run: { ...waiting, state: 'RUNNING' } } } }),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    const awaiting = app.wrapper.get('[data-testid="run-awaiting"]');
    expect(awaiting.text()).toContain('stopped before suspending 2 users');
    expect(awaiting.text()).toContain('gone1@contoso.example');
    expect(awaiting.text()).toContain('gone2@contoso.example');
    expect(fake.lastCall('SyncRunItems')!.variables.action).toBe('PENDING_SUSPENSION');
    // A run holds the integration: no second one can start.
    expect(app.wrapper.get('[data-testid="sync-now"]').attributes('disabled')).toBeDefined();

    await awaiting.get('[data-testid="confirm-run"]').trigger('click');
    await settle();
    expect(alert().text()).toContain('Suspend the 2 users this sync listed?');
    expect(fake.calls('ConfirmSync')).toHaveLength(0);
    await buttonIn(alert(), 'Confirm and suspend').trigger('click');
    await settle();
    expect(fake.lastCall('ConfirmSync')!.variables.input).toEqual({ runId: 'run-wait' });
    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('suspends the 2 users it listed');
  });

  it('says a waiting run would delete groups and archive vault items, lists both, and confirms them', async () => {
    const waiting = aSyncRun({
      id: 'run-wait',
      state: 'AWAITING_CONFIRMATION',
      pendingGroupDeletions: 3,
      pendingVaultArchives: 1,
      finishedAt: null,
    });
    const fake = api(
      {
        integration: anIntegration({ id: 'int-1', activeRun: waiting }),
        runs: [waiting],
        items: (_runId, action) =>
          action === 'PENDING_DELETION'
            ? [0, 1, 2].map((i) => aRunItem(i, { resourceType: 'GROUP', label: `Team ${i}`, action: 'PENDING_DELETION' }))
            : action === 'PENDING_ARCHIVE'
              ? [aRunItem(3, { resourceType: 'VAULT_ITEM', label: 'Core switch', action: 'PENDING_ARCHIVE' })]
              : [],
      },
      {
        ConfirmSync: () => ({ data: { confirmSync: { __typename: 'SyncRunPayload', run: { ...waiting, state: 'RUNNING' } } } }),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    const awaiting = app.wrapper.get('[data-testid="run-awaiting"]');
    expect(awaiting.text()).toContain('stopped before deleting 3 groups and archiving 1 vault item');
    expect(awaiting.text()).not.toContain('suspend');
    expect(awaiting.text()).toContain('Groups the run would delete');
    expect(awaiting.text()).toContain('Team 2');
    expect(awaiting.text()).toContain('Vault items the run would archive');
    expect(awaiting.text()).toContain('Core switch');
    expect(awaiting.text()).toContain('Would archive');
    expect(fake.calls('SyncRunItems').map((c) => c.variables.action)).toEqual(
      expect.arrayContaining(['PENDING_DELETION', 'PENDING_ARCHIVE']),
    );

    await awaiting.get('[data-testid="confirm-run"]').trigger('click');
    await settle();
    expect(alert().text()).toContain('Delete the 3 groups and archive the 1 vault item this sync listed?');
    expect(alert().text()).toContain('their users stay');
    await buttonIn(alert(), 'Confirm all').trigger('click');
    await settle();
    expect(fake.lastCall('ConfirmSync')!.variables.input).toEqual({ runId: 'run-wait' });
    expect(toasts().text()).toContain('deletes the 3 groups and archives the 1 vault item it listed');
  });

  it('starts a sync or a dry run, and says why when one is already running', async () => {
    let calls = 0;
    const fake = api(
      {},
      {
        StartSync: (op) => {
          calls += 1;
          return calls === 1
            ? {
                data: {
                  startSync: {
                    __typename: 'SyncRunPayload',
                    run: aSyncRun({ state: 'QUEUED', dryRun: op.variables.input.dryRun, finishedAt: null }),
                  },
                },
              }
            : graphQLError('SYNC_ALREADY_RUNNING', 'A sync of this integration is already running.');
        },
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    await app.wrapper.get('[data-testid="dry-run"]').trigger('click');
    await settle();
    expect(fake.lastCall('StartSync')!.variables.input).toEqual({ integrationId: 'int-1', dryRun: true });
    expect(toasts().text()).toContain('Dry run started: it changes nothing');

    await app.wrapper.get('[data-testid="sync-now"]').trigger('click');
    await settle();
    expect(fake.lastCall('StartSync')!.variables.input).toEqual({ integrationId: 'int-1', dryRun: false });
    expect(toasts().text()).toContain('A sync is already running: A sync of this integration is already running.');
  });

  it('cancels a running sync, saying what it already did stays done', async () => {
    const running = aSyncRun({ id: 'run-now', state: 'RUNNING', finishedAt: null });
    const fake = api(
      { integration: anIntegration({ id: 'int-1', activeRun: running }), runs: [running] },
      {
        CancelSync: () => ({ data: { cancelSync: { __typename: 'SyncRunPayload', run: { ...running, state: 'CANCELLED' } } } }),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    await app.wrapper.get('[data-testid="cancel-active-run"]').trigger('click');
    await settle();
    expect(fake.lastCall('CancelSync')!.variables.input).toEqual({ runId: 'run-now' });
    expect(toasts().text()).toContain('Sync cancelled. What it already did stays done.');
  });

  it('tests the saved connection and shows the result', async () => {
    const fake = api(
      {},
      {
        TestIntegrationConnection: () => ({
          data: {
            testIntegrationConnection: {
              __typename: 'TestIntegrationConnectionPayload',
              ok: true,
              failure: null,
              message: 'Read 1 user and 1 group.',
              integration: null,
            },
          },
        }),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    await app.wrapper.get('[data-testid="test-connection"]').trigger('click');
    await settle();
    expect(fake.lastCall('TestIntegrationConnection')!.variables.input).toEqual({ id: 'int-1' });
    expect(app.wrapper.get('[data-testid="test-result"]').text()).toBe('Connection works. Read 1 user and 1 group.');
  });

  it('adds a run started elsewhere to the history live, through syncRunUpdated', async () => {
    const runs: Run[] = [];
    const fake = api({ runs });
    app = await mountApp(fake, '/integrations/int-1');
    expect(app.wrapper.text()).toContain('No sync runs yet');
    const reads = fake.calls('IntegrationSyncRuns').length;
    await waitFor(() => expect(fake.stream('SyncRunUpdated').observed).toBe(true));

    const scheduled = aSyncRun({ id: 'run-live', state: 'RUNNING', trigger: 'SCHEDULE', finishedAt: null });
    runs.push(scheduled);
    fake.stream('SyncRunUpdated').next({ data: { syncRunUpdated: scheduled } });
    await settle();
    expect(fake.calls('IntegrationSyncRuns').length).toBeGreaterThan(reads);
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="sync-run-row"]')).toHaveLength(1));

    // Another integration's run changes nothing here.
    const before = fake.calls('IntegrationSyncRuns').length;
    fake.stream('SyncRunUpdated').next({ data: { syncRunUpdated: aSyncRun({ integrationId: 'int-other' }) } });
    await settle();
    expect(fake.calls('IntegrationSyncRuns').length).toBe(before);
  });

  it('deletes after saying the users it brought in stay, then goes back to the list', async () => {
    const fake = api(
      {},
      {
        DeleteIntegration: () => ({ data: { deleteIntegration: { __typename: 'DeleteIntegrationPayload', id: 'int-1' } } }),
        IntegrationsPage: () => ({
          data: { integrationTypes: types, integrations: aPage('Integration', [], (i: { id: string }) => i.id) },
        }),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    await app.wrapper.get('[data-testid="delete-integration"]').trigger('click');
    await settle();
    expect(alert().text()).toContain('The users, groups and companies it brought in stay in the account');
    await buttonIn(alert(), 'Delete integration').trigger('click');
    await settle();
    expect(fake.lastCall('DeleteIntegration')!.variables.input).toEqual({ id: 'int-1' });
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/integrations'));
  });

  it('edits name, options and schedule, replacing only the credentials typed in', async () => {
    const integration = anIntegration({ id: 'int-1' });
    const fake = api(
      { integration },
      {
        UpdateIntegration: () => ({ data: { updateIntegration: { __typename: 'IntegrationPayload', integration } } }),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    await app.wrapper.get('[data-testid="edit-integration"]').trigger('click');
    await settle();
    const dialog = app.wrapper.get('[role="dialog"]');
    expect(dialog.text()).toContain('Client secret value (set)');
    await dialog.get('[data-testid="edit-name"]').setValue('Contoso (prod)');
    const interval = dialog.get('[data-testid="option-interval"]');
    (interval.findAll('option').find((o) => o.text() === 'On demand only')!.element as HTMLOptionElement).selected = true;
    await interval.trigger('change');
    await dialog.get('[data-testid="replace-clientSecret"]').setValue('rotated-secret');
    await dialog.get('[data-testid="edit-integration-form"]').trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateIntegration')!.variables.input).toEqual({
      id: 'int-1',
      name: 'Contoso (prod)',
      options: {
        autoInvite: true,
        sendInvitationEmails: true,
        defaultRole: 'MEMBER',
        onUpstreamRemoval: 'SUSPEND',
        suspendThresholdPercent: 10,
      },
      syncIntervalMinutes: null,
      credentials: [{ name: 'clientSecret', value: 'rotated-secret' }],
    });
    expect(app.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('Saved.');
  });

  it('asks for the secrets again beside the fields when a new tenant is typed, and shows the server refusing without them', async () => {
    const integration = anIntegration({ id: 'int-1' });
    const fake = api(
      { integration },
      {
        UpdateIntegration: () =>
          graphQLError(
            'CREDENTIALS_REQUIRED',
            'Changing Directory (tenant) ID would send the stored credentials somewhere new: enter Client secret value again.',
          ),
      },
    );
    app = await mountApp(fake, '/integrations/int-1');
    await app.wrapper.get('[data-testid="edit-integration"]').trigger('click');
    await settle();
    const dialog = app.wrapper.get('[role="dialog"]');
    expect(dialog.find('[data-testid="retype-secrets"]').exists()).toBe(false);
    await dialog.get('[data-testid="replace-tenantId"]').setValue('another-tenant');
    const notice = dialog.get('[data-testid="retype-secrets"]');
    expect(notice.text()).toBe(
      'A new Directory (tenant) ID sends the credentials somewhere else: enter Client secret value again. Stored secrets are only sent where they were entered for.',
    );
    expect(dialog.text()).toContain('Client secret value (enter it again)');
    expect(dialog.get('[data-testid="replace-clientSecret"]').attributes('aria-describedby')).toBe(notice.attributes('id'));
    await dialog.get('[data-testid="edit-integration-form"]').trigger('submit');
    await settle();
    expect(dialog.get('[data-testid="edit-error"]').text()).toContain('enter Client secret value again');
    // With the secret typed too, nothing is left to ask for.
    await dialog.get('[data-testid="replace-clientSecret"]').setValue('secret-for-the-new-tenant');
    expect(dialog.find('[data-testid="retype-secrets"]').exists()).toBe(false);
    expect(dialog.text()).toContain('Client secret value (set)');
  });

  it('says when the integration does not exist (or belongs to another account)', async () => {
    const fake = api({}, { IntegrationDetail: () => graphQLError('NOT_FOUND', 'Integration not found.') });
    app = await mountApp(fake, '/integrations/nope');
    expect(app.wrapper.get('[role="alert"]').text()).toContain('Integration not found');
  });
});
