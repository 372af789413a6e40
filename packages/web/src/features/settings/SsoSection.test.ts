import { afterEach, describe, expect, it } from 'vitest';
import { aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp, type RecordedOperation } from '../../testing/testing';

const saved = {
  __typename: 'SsoConnection',
  provider: 'ENTRA_ID',
  issuer: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: 'app-1',
  hasClientSecret: true,
  allowedDomains: ['northwind.example'],
  ssoOnly: false,
  callbackUrl: 'https://roster.example/auth/sso/callback',
  startUrl: 'https://roster.example/auth/sso/start?account=northwind',
  updatedAt: '2026-12-01T10:00:00.000Z',
};

function api(role = 'OWNER') {
  let connection: typeof saved | null = null;
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role }) } }),
    AccountSettings: () => graphQLError('INTERNAL_SERVER_ERROR', 'not under test'),
    SsoConnection: () => ({ data: { ssoConnection: connection } }),
    SaveSsoConnection: (op: RecordedOperation) => {
      const input = op.variables.input as Record<string, unknown>;
      if (!input.clientSecret) return graphQLError('BAD_USER_INPUT', 'Enter the client secret.', { field: 'input.clientSecret' });
      connection = { ...saved, clientId: String(input.clientId), allowedDomains: input.allowedDomains as string[] };
      return { data: { saveSsoConnection: connection } };
    },
    TestSsoConnection: () => ({
      data: {
        testSsoConnection: { __typename: 'SsoConnectionTest', ok: false, issuer: null, problem: 'Discovery failed: a server error.' },
      },
    }),
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});
const section = () => app!.wrapper.get('[data-testid="sso-section"]');

describe('Settings › Account › Single sign-on', () => {
  it("saves an Entra ID connection, says what the server refuses next to its field, and shows the provider's redirect URI", async () => {
    const fake = api();
    app = await mountApp(fake, '/settings');
    await waitFor(() => expect(section().text()).toContain('Single sign-on'));
    await section().get('[data-testid="sso-tenant"]').setValue('72f988bf-86f1-41af-91ab-2d7cd011db47');
    await section().get('[data-testid="sso-client-id"]').setValue('app-1');
    await section().get('[data-testid="sso-domains"]').setValue('northwind.example, nw.example');
    await section().get('form').trigger('submit');
    await waitFor(() => expect(section().text()).toContain('Enter the client secret.'));

    await section().get('[data-testid="sso-client-secret"]').setValue('s3cret');
    await section().get('form').trigger('submit');
    await waitFor(() => expect(section().get('[data-testid="sso-notice"]').text()).toBe('Single sign-on saved.'));
    expect(fake.lastCall('SaveSsoConnection')!.variables.input).toEqual({
      provider: 'ENTRA_ID',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      issuer: null,
      clientId: 'app-1',
      clientSecret: 's3cret',
      allowedDomains: ['northwind.example', 'nw.example'],
      ssoOnly: false,
    });
    expect(section().get('[data-testid="sso-callback"]').text()).toBe('https://roster.example/auth/sso/callback');
    // The secret is never shown again: the field is empty, its placeholder says one is stored.
    expect((section().get('[data-testid="sso-client-secret"]').element as HTMLInputElement).value).toBe('');

    await section().get('[data-testid="sso-test"]').trigger('click');
    await waitFor(() => expect(section().get('[data-testid="sso-error"]').text()).toBe('Discovery failed: a server error.'));
  });

  it('lets an administrator see it but not change it', async () => {
    app = await mountApp(api('ADMIN'), '/settings');
    await waitFor(() => expect(section().text()).toContain('Only an owner can change single sign-on.'));
    await settle();
    expect(section().find('[data-testid="sso-save"]').exists()).toBe(false);
    expect(section().get('fieldset').attributes('disabled')).toBeDefined();
  });
});
