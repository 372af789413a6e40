import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aViewer,
  buttonIn,
  fakeApi,
  mountApp,
  settle,
  waitFor,
  type ButtonRoot,
  type MountedApp,
  type RecordedOperation,
} from '../../testing/testing';

const SECRET = 'rst_0123456789ab_k3y-s3cr3t-that-is-shown-only-once-abcdefghijk';

interface AnApiKey {
  __typename: 'ApiKey';
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

function anApiKey(overrides: Partial<AnApiKey> = {}): AnApiKey {
  return {
    __typename: 'ApiKey',
    id: 'key-1',
    name: 'PSA sync',
    prefix: '9f8e7d6c5b4a',
    scopes: ['users:read'],
    createdBy: 'Olivia Owner',
    createdAt: '2026-11-01T10:00:00.000Z',
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    active: true,
    ...overrides,
  };
}

const scopes = [
  { __typename: 'ApiScopeInfo', name: 'users:read', description: 'Read users, companies and groups.' },
  { __typename: 'ApiScopeInfo', name: 'users:write', description: 'Invite, change and suspend users.' },
  { __typename: 'ApiScopeInfo', name: 'audit:read', description: 'Read the audit log.' },
];

function api() {
  let keys = [anApiKey()];
  const fake = fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    ApiKeys: () => ({ data: { apiKeys: aConnection('ApiKey', keys) } }),
    ApiScopes: () => ({ data: { apiScopes: scopes } }),
    CreateApiKey: (op: RecordedOperation) => {
      const created = anApiKey({
        id: 'key-2',
        name: op.variables.input.name,
        prefix: '0123456789ab',
        scopes: op.variables.input.scopes,
        createdAt: new Date().toISOString(),
        expiresAt: op.variables.input.expiresAt ?? null,
      });
      keys = [created, ...keys];
      return { data: { createApiKey: { __typename: 'CreateApiKeyPayload', apiKey: created, secret: SECRET } } };
    },
    RevokeApiKey: (op: RecordedOperation) => {
      const revoked = { ...keys.find((k) => k.id === op.variables.input.id)!, revokedAt: new Date().toISOString(), active: false };
      keys = keys.map((k) => (k.id === revoked.id ? revoked : k));
      return { data: { revokeApiKey: { __typename: 'RevokeApiKeyPayload', apiKey: revoked } } };
    },
  });
  return fake;
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const button = (name: string, root: ButtonRoot = app!.wrapper) => buttonIn(root, name);
const dialog = () => app!.wrapper.get('[role="dialog"]');
const row = (name: string) => app!.wrapper.get(`[data-testid="api-key-row"][data-name="${name}"]`);

async function openApiKeys(fake: ReturnType<typeof api>) {
  app = await mountApp(fake, '/settings/api-keys');
  await waitFor(() => expect(app!.wrapper.findAll('[data-testid="api-key-row"]')).toHaveLength(1));
}

describe('Settings › API keys', () => {
  it('lists each key with its prefix, scopes, creator, expiry, last use and state', async () => {
    await openApiKeys(api());
    const cells = row('PSA sync')
      .findAll('td')
      .map((td) => td.text());
    expect(cells.slice(0, 4)).toEqual(['PSA sync', 'rst_9f8e7d6c5b4a_…', 'users:read', 'Olivia Owner']);
    expect(cells[5]).toBe('Never');
    expect(cells[6]).toBe('Never');
    expect(row('PSA sync').get('[data-testid="api-key-status"]').text()).toBe('Active');
    expect(app!.wrapper.get('nav[aria-label="Settings"] [aria-current="page"]').text()).toBe('API keys');
  });

  it('creates a key with the chosen scopes and shows its secret once, with Copy and a usage example', async () => {
    const fake = api();
    await openApiKeys(fake);
    await button('Create API key').trigger('click');
    await waitFor(() => expect(dialog().text()).toContain('Read the audit log.'));

    await dialog().get('input:not([type])').setValue('Nightly export');
    const checkbox = (scope: string) => dialog().get(`input[type="checkbox"][value="${scope}"]`);
    await checkbox('users:read').setValue(true);
    await checkbox('audit:read').setValue(true);
    await dialog().get('form').trigger('submit');
    await settle();

    expect(fake.lastCall('CreateApiKey')!.variables).toEqual({
      input: { name: 'Nightly export', scopes: ['users:read', 'audit:read'], expiresAt: null },
    });
    const shown = dialog();
    expect((shown.get('[data-testid="secret-value"]').element as HTMLInputElement).value).toBe(SECRET);
    expect(shown.get('[data-testid="secret-warning"]').text()).toContain('you will not see it again');
    expect(shown.get('[data-testid="api-key-usage"]').text()).toContain(`curl -H "Authorization: Bearer ${SECRET}"`);
    expect(shown.get('[data-testid="api-key-usage"]').text()).toContain('/graphql');

    // While the dialog is open the secret is on the page (in the usage example too).
    expect(document.body.innerHTML).toContain(SECRET);
    let copied = '';
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void (copied = text) },
    });
    await shown.get('[data-testid="secret-copy"]').trigger('click');
    await settle();
    expect(copied).toBe(SECRET);
    expect(shown.get('[data-testid="secret-copy"]').text()).toBe('Copied');

    await button('Done', shown).trigger('click');
    await settle();
    expect(app!.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(Array.from(document.querySelectorAll('input')).map((input) => input.value)).not.toContain(SECRET);
    // Nor does Apollo's cache keep it (it stores mutation results unless told otherwise).
    expect(JSON.stringify(fake.client.cache.extract())).not.toContain(SECRET);
    await waitFor(() => expect(row('Nightly export').text()).toContain('rst_0123456789ab_…'));
    // The list never shows the secret, and opening the dialog again starts from scratch.
    await button('Create API key').trigger('click');
    await settle();
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect((dialog().get('input:not([type])').element as HTMLInputElement).value).toBe('');
  });

  it('sends nothing until a name and a scope are given, and says which is missing', async () => {
    const fake = api();
    await openApiKeys(fake);
    await button('Create API key').trigger('click');
    await waitFor(() => expect(dialog().text()).toContain('users:write'));
    await dialog().get('form').trigger('submit');
    await settle();
    expect(dialog().text()).toContain('Give the key a name');
    expect(dialog().text()).toContain('Choose at least one scope.');
    expect(fake.calls('CreateApiKey')).toHaveLength(0);
  });

  it('asks before revoking, saying integrations using the key stop working, and shows it revoked', async () => {
    const fake = api();
    await openApiKeys(fake);
    await button('Revoke', row('PSA sync')).trigger('click');
    await settle();
    const confirm = app!.wrapper.get('[role="alertdialog"]');
    expect(confirm.text()).toContain('Integrations and scripts using it stop working at once');
    expect(fake.calls('RevokeApiKey')).toHaveLength(0);

    await button('Cancel', confirm).trigger('click');
    await settle();
    expect(app!.wrapper.find('[role="alertdialog"]').exists()).toBe(false);
    expect(fake.calls('RevokeApiKey')).toHaveLength(0);

    await button('Revoke', row('PSA sync')).trigger('click');
    await settle();
    await button('Revoke key', app!.wrapper.get('[role="alertdialog"]')).trigger('click');
    await settle();
    expect(fake.lastCall('RevokeApiKey')!.variables).toEqual({ input: { id: 'key-1' } });
    expect(row('PSA sync').get('[data-testid="api-key-status"]').text()).toBe('Revoked');
    expect(
      row('PSA sync')
        .findAll('button')
        .map((b) => b.text()),
    ).not.toContain('Revoke');
  });
});
