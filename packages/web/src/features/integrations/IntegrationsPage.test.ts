import { afterEach, describe, expect, it, vi } from 'vitest';
import { aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp, type Responder } from '../../testing/testing';
import { aHuduType, aPage, anIntegration, anIntegrationType, aSyncRun } from './integration-builders';

const types = [anIntegrationType('SCIM'), anIntegrationType('MICROSOFT_ENTRA')];
const entra = anIntegration({ id: 'int-entra', name: 'Contoso Entra' });
const broken = anIntegration({
  id: 'int-cw',
  name: 'Fabrikam PSA',
  type: 'CONNECTWISE',
  status: 'ERROR',
  lastError: 'ConnectWise refused the API keys (401).',
});
const paused = anIntegration({ id: 'int-off', name: 'Old Okta', type: 'SCIM', status: 'DISABLED' });
const waiting = anIntegration({ id: 'int-new-okta', name: 'New Okta', type: 'SCIM', lastRequestAt: null });
const untested = anIntegration({ id: 'int-new-entra', name: 'New Entra', status: 'NOT_TESTED', lastSyncAt: null });

function api(integrations = [entra, broken, paused], overrides: Record<string, Responder> = {}) {
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role: 'ADMIN' }) } }),
    IntegrationsPage: () => ({ data: { integrationTypes: types, integrations: aPage('Integration', integrations, (i) => i.id) } }),
    IntegrationDetail: (op) => ({
      data: {
        integration: anIntegration({ id: op.variables.id, type: op.variables.id === 'int-new-scim' ? 'SCIM' : 'MICROSOFT_ENTRA' }),
        integrationTypes: types,
      },
    }),
    IntegrationSyncRuns: () => ({ data: { syncRuns: aPage('SyncRun', [], (r: { id: string }) => r.id) } }),
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
  vi.unstubAllGlobals();
});

const row = (name: string) => app!.wrapper.get(`[data-testid="integration-row"][data-name="${name}"]`);
const dialog = () => app!.wrapper.get('[role="dialog"]');
const labelled = (label: string) => {
  const found = dialog()
    .findAll('label')
    .find((l) => l.text().startsWith(label));
  if (!found) throw new Error(`No field "${label}"`);
  return dialog().get(`#${CSS.escape(found.attributes('for')!)}`);
};
const next = async () => {
  await dialog().get('[data-testid="integration-wizard"]').trigger('submit');
  await settle();
};

describe('Integrations page', () => {
  it('lists the available types with what they bring in, and the configured integrations with status, last and next sync', async () => {
    app = await mountApp(api([entra, broken, paused, waiting, untested]), '/integrations');

    const cards = app.wrapper.findAll('[data-testid="integration-type"]');
    expect(cards.map((c) => c.get('h3').text())).toEqual(['SCIM 2.0 (Okta, Entra ID, JumpCloud, OneLogin)', 'Microsoft Entra ID']);
    expect(cards[1]!.text()).toContain('Brings in: Users and groups');
    expect(cards[1]!.get('button').text()).toContain('Set up');

    const connected = row('Contoso Entra');
    expect(connected.get('[data-testid="integration-status"]').text()).toBe('Connected');
    expect(connected.get('[data-testid="integration-status"]').classes()).toContain('badge--green');
    expect(connected.text()).toContain('2 hours ago');
    expect(connected.text()).toContain('in 3 hours');

    const failing = row('Fabrikam PSA');
    expect(failing.get('[data-testid="integration-status"]').classes()).toContain('badge--red');
    expect(failing.get('[data-testid="integration-error"]').text()).toBe('ConnectWise refused the API keys (401).');

    const disabled = row('Old Okta');
    expect(disabled.get('[data-testid="integration-status"]').text()).toBe('Disabled');
    expect(disabled.get('[data-testid="integration-status"]').classes()).toContain('badge--grey');
    expect(disabled.text()).toContain('Last request 5 minutes ago');

    // Nothing proved these yet: neither says Connected.
    const neverCalled = row('New Okta');
    expect(neverCalled.get('[data-testid="integration-status"]').text()).toBe('Waiting for first request');
    expect(neverCalled.text()).toContain('No request yet');
    const notTested = row('New Entra');
    expect(notTested.get('[data-testid="integration-status"]').text()).toBe('Not tested yet');
    expect(notTested.get('[data-testid="integration-status"]').classes()).toContain('badge--amber');
  });

  it('says when no integration is configured yet, and shows a running sync on its row', async () => {
    app = await mountApp(api([]), '/integrations');
    expect(app.wrapper.text()).toContain('No integrations configured yet');
    app.wrapper.unmount();

    app = await mountApp(
      api([
        anIntegration({
          id: 'int-busy',
          name: 'Busy',
          activeRun: aSyncRun({ integrationId: 'int-busy', state: 'RUNNING', finishedAt: null }),
        }),
      ]),
      '/integrations',
    );
    expect(row('Busy').text()).toContain('Running');
  });

  it('follows runs live: progress rewrites the row’s badge alone, a run that ends reads the list again', async () => {
    const running = aSyncRun({ id: 'run-busy', integrationId: 'int-busy', state: 'RUNNING', finishedAt: null });
    const fake = api([anIntegration({ id: 'int-busy', name: 'Busy', activeRun: running })]);
    app = await mountApp(fake, '/integrations');
    await waitFor(() => expect(fake.stream('SyncRunUpdated').observed).toBe(true));
    const reads = fake.calls('IntegrationsPage').length;

    fake.stream('SyncRunUpdated').next({ data: { syncRunUpdated: { ...running, state: 'AWAITING_CONFIRMATION' } } });
    await settle();
    expect(row('Busy').text()).toContain('Awaiting confirmation');
    expect(fake.calls('IntegrationsPage')).toHaveLength(reads);

    fake
      .stream('SyncRunUpdated')
      .next({ data: { syncRunUpdated: { ...running, state: 'SUCCEEDED', finishedAt: new Date().toISOString() } } });
    await settle();
    expect(fake.calls('IntegrationsPage').length).toBeGreaterThan(reads);
  });

  it('shows the error with a "Try again" that loads the page once the server recovers', async () => {
    let fail = true;
    const fake = api(undefined, {
      IntegrationsPage: () =>
        fail
          ? graphQLError('INTERNAL_SERVER_ERROR', 'The database is unavailable.')
          : { data: { integrationTypes: types, integrations: aPage('Integration', [entra], (i) => i.id) } },
    });
    app = await mountApp(fake, '/integrations');
    expect(app.wrapper.get('[role="alert"]').text()).toContain('Could not load integrations');
    expect(app.wrapper.get('[role="alert"]').text()).toContain('The database is unavailable.');
    fail = false;
    await app.wrapper
      .findAll('button')
      .find((b) => b.text() === 'Try again')!
      .trigger('click');
    await settle();
    expect(app.wrapper.find('[data-testid="integration-row"][data-name="Contoso Entra"]').exists()).toBe(true);
  });
});

describe('Integration setup wizard', () => {
  it('asks for a name and every required credential before going on, with secrets in password boxes', async () => {
    const fake = api();
    app = await mountApp(fake, '/integrations');
    await app.wrapper.get('[data-testid="set-up-MICROSOFT_ENTRA"]').trigger('click');
    await settle();

    await labelled('Name').setValue('   ');
    await next();
    expect(dialog().text()).toContain('Give the integration a name.');
    expect(labelled('Name').attributes('aria-invalid')).toBe('true');

    await labelled('Name').setValue('Contoso directory');
    await next();
    expect((labelled('Client secret value').element as HTMLInputElement).type).toBe('password');
    expect((labelled('Directory (tenant) ID').element as HTMLInputElement).type).toBe('text');
    expect(dialog().text()).toContain('Copy its Value, not its Secret ID.');
    await labelled('Directory (tenant) ID').setValue('tenant-1');
    await next();
    expect(dialog().text()).toContain('Application (client) ID is required.');
    expect(dialog().text()).toContain('Client secret value is required.');
    expect(dialog().text()).not.toContain('Directory (tenant) ID is required.');
    expect(fake.calls('CreateIntegration')).toHaveLength(0);
  });

  it('tests the connection with the typed credentials and shows the failure clearly, then saves and opens the integration', async () => {
    const fake = api(undefined, {
      TestIntegrationConnection: () => ({
        data: {
          testIntegrationConnection: {
            __typename: 'TestIntegrationConnectionPayload',
            ok: false,
            failure: 'PERMISSION_DENIED',
            message: 'Signed in, but User.Read.All has no admin consent.',
            integration: null,
          },
        },
      }),
      CreateIntegration: () => ({
        data: {
          createIntegration: { __typename: 'CreateIntegrationPayload', scimToken: null, integration: anIntegration({ id: 'int-new' }) },
        },
      }),
    });
    app = await mountApp(fake, '/integrations');
    await app.wrapper.get('[data-testid="set-up-MICROSOFT_ENTRA"]').trigger('click');
    await settle();
    await labelled('Name').setValue('Contoso directory');
    await next();
    await labelled('Directory (tenant) ID').setValue(' tenant-1 ');
    await labelled('Application (client) ID').setValue('client-1');
    await labelled('Client secret value').setValue('s3cret');
    await next();

    // Options: stage for review, no emails, keep users gone upstream, a 25 % threshold, every 4 hours.
    await dialog().get('[data-testid="option-stage"]').setValue(true);
    await dialog().get('[data-testid="option-emails"]').setValue(false);
    await dialog().get('[data-testid="option-keep"]').setValue(true);
    await dialog().get('[data-testid="option-threshold"]').setValue('250');
    await next();
    expect(dialog().text()).toContain('A whole percentage from 0 to 100.');
    await dialog().get('[data-testid="option-threshold"]').setValue('25');
    await dialog().get('[data-testid="option-interval"]').setValue('240');
    await next();

    await dialog().get('[data-testid="wizard-test"]').trigger('click');
    await settle();
    expect(fake.lastCall('TestIntegrationConnection')!.variables.input).toEqual({
      type: 'MICROSOFT_ENTRA',
      credentials: [
        { name: 'tenantId', value: 'tenant-1' },
        { name: 'clientId', value: 'client-1' },
        { name: 'clientSecret', value: 's3cret' },
      ],
    });
    const result = dialog().get('[data-testid="test-result"]');
    expect(result.text()).toContain('Connection failed');
    expect(result.text()).toContain('Signed in, but User.Read.All has no admin consent.');
    expect(dialog().get('[data-testid="wizard-next"]').text()).toBe('Save without a successful test');

    await next();
    expect(fake.lastCall('CreateIntegration')!.variables.input).toEqual({
      type: 'MICROSOFT_ENTRA',
      name: 'Contoso directory',
      credentials: [
        { name: 'tenantId', value: 'tenant-1' },
        { name: 'clientId', value: 'client-1' },
        { name: 'clientSecret', value: 's3cret' },
      ],
      options: {
        autoInvite: false,
        sendInvitationEmails: false,
        defaultRole: 'MEMBER',
        onUpstreamRemoval: 'KEEP',
        suspendThresholdPercent: 25,
      },
      syncIntervalMinutes: 240,
    });
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/integrations/int-new'));
  });

  it('sets up a type that brings in no users (Hudu) with its own fields, asking only for a schedule', async () => {
    const fake = api(undefined, {
      IntegrationsPage: () => ({
        data: { integrationTypes: [...types, aHuduType()], integrations: aPage('Integration', [entra], (i) => i.id) },
      }),
      CreateIntegration: () => ({
        data: {
          createIntegration: { __typename: 'CreateIntegrationPayload', scimToken: null, integration: anIntegration({ id: 'int-hudu' }) },
        },
      }),
    });
    app = await mountApp(fake, '/integrations');
    expect(app.wrapper.get('[data-testid="integration-type"][data-type="HUDU"]').text()).toContain('Companies and passwords');
    await app.wrapper.get('[data-testid="set-up-HUDU"]').trigger('click');
    await settle();
    await next();
    await labelled('Hudu address').setValue(' https://docs.example.com ');
    expect(labelled('API key').attributes('type')).toBe('password');
    await labelled('API key').setValue('hudu-key');
    await next();
    expect(dialog().get('[data-testid="options-no-users"]').text()).toContain('brings in no users');
    expect(dialog().find('[data-testid="option-stage"]').exists()).toBe(false);
    expect(dialog().find('[data-testid="option-emails"]').exists()).toBe(false);
    await dialog().get('[data-testid="option-interval"]').setValue('60');
    await next();
    await next();
    expect(fake.lastCall('CreateIntegration')!.variables.input).toMatchObject({
      type: 'HUDU',
      name: 'Hudu',
      credentials: [
        { name: 'baseUrl', value: 'https://docs.example.com' },
        { name: 'apiKey', value: 'hudu-key' },
      ],
      syncIntervalMinutes: 60,
    });
  });

  it('sends a refused name back to the name step with the server’s words', async () => {
    const fake = api(undefined, {
      CreateIntegration: () => graphQLError('BAD_USER_INPUT', 'An integration named "Okta" already exists.', { field: 'input.name' }),
    });
    app = await mountApp(fake, '/integrations');
    await app.wrapper.get('[data-testid="set-up-SCIM"]').trigger('click');
    await settle();
    await labelled('Name').setValue('Okta');
    await next();
    await next();
    expect(labelled('Name').attributes('aria-invalid')).toBe('true');
    expect(dialog().text()).toContain('An integration named "Okta" already exists.');
  });

  it('shows a SCIM integration’s base URL and token once, with Copy, and never again', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const fake = api(undefined, {
      CreateIntegration: () => ({
        data: {
          createIntegration: {
            __typename: 'CreateIntegrationPayload',
            scimToken: 'rst_scim_ab12.secret-token-value',
            integration: anIntegration({ id: 'int-new-scim', type: 'SCIM', name: 'Okta' }),
          },
        },
      }),
    });
    app = await mountApp(fake, '/integrations');
    await app.wrapper.get('[data-testid="set-up-SCIM"]').trigger('click');
    await settle();
    expect(dialog().text()).not.toContain('Credentials');
    await labelled('Name').setValue('Okta');
    await next();
    // SCIM: no schedule and no threshold (the IdP pushes); emails on by default, and turning them off warns.
    expect(dialog().find('[data-testid="option-interval"]').exists()).toBe(false);
    expect((dialog().get('[data-testid="option-emails"]').element as HTMLInputElement).checked).toBe(true);
    expect(dialog().find('[data-testid="option-emails-warning"]').exists()).toBe(false);
    await dialog().get('[data-testid="option-emails"]').setValue(false);
    expect(dialog().get('[data-testid="option-emails-warning"]').text()).toContain('Not emailed yet');
    await next();

    expect(fake.lastCall('CreateIntegration')!.variables.input).toEqual({
      type: 'SCIM',
      name: 'Okta',
      credentials: [],
      options: {
        autoInvite: true,
        sendInvitationEmails: false,
        defaultRole: 'MEMBER',
        onUpstreamRemoval: 'SUSPEND',
        suspendThresholdPercent: 10,
      },
    });
    expect((dialog().get('[data-testid="scim-base-url"]').element as HTMLInputElement).value).toBe('https://roster.example.com/scim/v2');
    expect((dialog().get('[data-testid="scim-token"]').element as HTMLInputElement).value).toBe('rst_scim_ab12.secret-token-value');
    expect(dialog().get('[data-testid="token-once-warning"]').text()).toContain('you will not see it again');
    expect(dialog().text()).toContain('Okta and Entra ID set-up');

    await dialog().get('button[aria-label="Copy Bearer token"]').trigger('click');
    await settle();
    expect(writeText).toHaveBeenCalledWith('rst_scim_ab12.secret-token-value');
    expect(dialog().text()).toContain('Bearer token copied to the clipboard.');

    await dialog().get('[data-testid="wizard-finish"]').trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/integrations/int-new-scim'));
    await waitFor(() => expect(app!.wrapper.find('[data-testid="token-prefix"]').exists()).toBe(true));
    expect(app.wrapper.text()).not.toContain('secret-token-value');
    expect(app.wrapper.get('[data-testid="token-prefix"]').text()).toBe('rst_scim_ab12');
  });
});
