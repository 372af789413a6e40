import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  aConnection,
  aViewer,
  buttonIn,
  fakeApi,
  graphQLError,
  mountApp,
  namedList,
  settle,
  waitFor,
  type MountedApp,
  type Responder,
} from '../../testing/testing';

const item = (id: string, name: string, username: string | null) => ({
  __typename: 'VaultItem',
  id,
  name,
  username,
  url: null,
  hasTotp: false,
  integrationId: null,
  updatedAt: '2026-12-01T10:00:00.000Z',
});
const group = (id: string, name: string) => ({ __typename: 'Group', id, name });
const access = (groups: Array<ReturnType<typeof group>>, viewerCanReveal = true) => ({
  __typename: 'VaultAccess',
  companyId: 'c1',
  companyName: 'Contoso',
  viewerCanReveal,
  groups,
});

let app: MountedApp | undefined;
afterEach(() => {
  vi.useRealTimers();
  app?.wrapper.unmount();
  app = undefined;
});

function api(
  revealed: Responder = () => ({
    data: {
      revealVaultItem: {
        __typename: 'RevealedVaultItem',
        password: 'S3cret-Router!',
        totpCode: null,
        totpError: null,
        item: { __typename: 'VaultItem', id: 'v1' },
      },
    },
  }),
  role = 'OWNER',
) {
  let granted = [group('g1', 'Helpdesk')];
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role }) } }),
    CompanyVault: () => ({
      data: {
        vaultItems: aConnection('VaultItem', [item('v1', 'Core router', 'admin'), item('v2', 'Guest Wi-Fi', null)]),
        vaultAccess: access(granted),
      },
    }),
    GroupChoices: namedList('Group', [group('g1', 'Helpdesk'), group('g2', 'Engineers')]),
    RevealVaultItem: revealed,
    GrantVaultAccess: (op) => {
      granted = [...granted, group(op.variables.input.groupId, 'Engineers')];
      return { data: { grantVaultAccess: access(granted) } };
    },
    RevokeVaultAccess: (op) => {
      granted = granted.filter((g) => g.id !== op.variables.input.groupId);
      return { data: { revokeVaultAccess: access(granted) } };
    },
  });
}

const rows = () => app!.wrapper.findAll('[data-testid="vault-row"]');

describe('Company vault page', () => {
  it('lists items without secrets, reveals one, copies it and clears it from the page after a while', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const fake = api();
    app = await mountApp(fake, '/companies/c1/vault');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(app.wrapper.text()).toContain('Vault — Contoso');
    expect(app.wrapper.text()).not.toContain('S3cret-Router!');

    await buttonIn(rows()[0]!, 'Reveal').trigger('click');
    await waitFor(() => expect(app!.wrapper.get('[data-testid="revealed-password"]').text()).toBe('S3cret-Router!'));
    expect(fake.lastCall('RevealVaultItem')!.variables).toEqual({ input: { id: 'v1' } });

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await buttonIn(rows()[0]!, 'Copy').trigger('click');
    await flushPromises();
    expect(writeText).toHaveBeenCalledWith('S3cret-Router!');
    expect(app.wrapper.get('[data-testid="vault-status"]').text()).toBe('Copied to the clipboard.');
    vi.advanceTimersByTime(20_000);
    vi.useRealTimers();
    await settle();
    expect(app.wrapper.find('[data-testid="revealed-password"]').exists()).toBe(false);
    expect(app.wrapper.text()).not.toContain('S3cret-Router!');
    expect(app.wrapper.get('[data-testid="vault-status"]').text()).toContain('cleared');
  });

  it("opens for a member of a granted group: the company named, reveal offered, no granting and no administrators' query", async () => {
    const fake = api(undefined, 'MEMBER');
    app = await mountApp(fake, '/companies/c1/vault');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(app.wrapper.text()).toContain('Vault — Contoso');
    expect(app.wrapper.get('[data-testid="vault-access-groups"]').text()).toContain('Helpdesk');
    expect(app.wrapper.get('[data-testid="vault-access"]').findAll('button')).toHaveLength(0);
    expect(fake.calls('GroupChoices')).toHaveLength(0);
    await buttonIn(rows()[0]!, 'Reveal').trigger('click');
    await waitFor(() => expect(app!.wrapper.get('[data-testid="revealed-password"]').text()).toBe('S3cret-Router!'));
  });

  it('reveals the password of an item whose stored TOTP secret is unusable, and says why there is no code', async () => {
    const reason = 'The stored TOTP secret is not a valid base32 secret.';
    app = await mountApp(
      api(() => ({
        data: {
          revealVaultItem: {
            __typename: 'RevealedVaultItem',
            password: 'S3cret-Router!',
            totpCode: null,
            totpError: reason,
            item: { __typename: 'VaultItem', id: 'v1' },
          },
        },
      })),
      '/companies/c1/vault',
    );
    await waitFor(() => expect(rows()).toHaveLength(2));
    await buttonIn(rows()[0]!, 'Reveal').trigger('click');
    await waitFor(() => expect(app!.wrapper.get('[data-testid="revealed-password"]').text()).toBe('S3cret-Router!'));
    expect(app.wrapper.get('[data-testid="revealed-totp-error"]').text()).toContain(reason);
  });

  it('says why a reveal was refused', async () => {
    app = await mountApp(
      api(() => graphQLError('FORBIDDEN', "You may not open this company's vault.")),
      '/companies/c1/vault',
    );
    await waitFor(() => expect(rows()).toHaveLength(2));
    await buttonIn(rows()[1]!, 'Reveal').trigger('click');
    await waitFor(() => expect(app!.wrapper.get('[data-testid="vault-error"]').text()).toContain("You may not open this company's vault."));
  });

  it('shows who has access and lets an administrator grant and remove a group', async () => {
    const fake = api();
    app = await mountApp(fake, '/companies/c1/vault');
    await waitFor(() => expect(app!.wrapper.get('[data-testid="vault-access"]').text()).toContain('Helpdesk'));
    // Any group is found by typing the start of its name (the server searches).
    const box = app.wrapper.get<HTMLInputElement>('[data-testid="vault-grant-group"] input[role="combobox"]');
    await box.setValue('eng');
    await waitFor(() => expect(fake.lastCall('GroupChoices')!.variables).toEqual({ page: { first: 25 }, search: 'eng' }));
    await waitFor(() =>
      expect(app!.wrapper.findAll('[data-testid="vault-grant-group"] [role="option"]').map((o) => o.text())).toEqual(['Engineers']),
    );
    await box.trigger('keydown', { key: 'Enter' });
    expect(box.element.value).toBe('Engineers');
    await app.wrapper.get('[data-testid="vault-access"] form').trigger('submit');
    await waitFor(() => expect(app!.wrapper.get('[data-testid="vault-access-groups"]').text()).toContain('Engineers'));
    expect(fake.lastCall('GrantVaultAccess')!.variables).toEqual({ input: { companyId: 'c1', groupId: 'g2' } });
    await buttonIn(app.wrapper.get('[data-testid="vault-access"]'), 'Remove Helpdesk').trigger('click');
    await waitFor(() => expect(app!.wrapper.get('[data-testid="vault-access-groups"]').text()).not.toContain('Helpdesk'));
    expect(fake.lastCall('RevokeVaultAccess')!.variables).toEqual({ input: { companyId: 'c1', groupId: 'g1' } });
  });
});
