import { afterEach, describe, expect, it } from 'vitest';
import { aViewer, fakeApi, graphQLError, mountApp, waitFor, type MountedApp, type Responder } from '../../testing/testing';

function anEmail(id: string, to: string, minutesAgo: number, extra: Record<string, unknown> = {}) {
  return {
    __typename: 'DevMailboxEmail',
    id,
    to,
    subject: `Olivia Owner invited you to Northwind MSP`,
    createdAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    link: `http://localhost:4000/invitations/${id}-token`,
    html: `<p>Hello ${to}</p><script>parent.hacked = true</script>`,
    text: `Hello ${to}`,
    ...extra,
  };
}

function api(devMailbox: Responder) {
  return fakeApi({ Me: () => ({ data: { me: aViewer() } }), DevMailbox: devMailbox });
}

const mailbox = (emails: ReturnType<typeof anEmail>[]) => ({
  data: {
    devMailbox: {
      __typename: 'DevMailboxEmailConnection',
      totalCount: emails.length,
      edges: emails.map((node) => ({ __typename: 'DevMailboxEmailEdge', cursor: node.id, node })),
    },
  },
});

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

describe('Dev mailbox page', () => {
  it('lists the caught emails newest first and shows one in a sandboxed frame with its link', async () => {
    const fake = api(() => mailbox([anEmail('e1', 'old@contoso.example', 90), anEmail('e2', 'new@contoso.example', 2)]));
    app = await mountApp(fake, '/dev/mailbox');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="mailbox-item"]')).toHaveLength(2));

    expect(fake.lastCall('DevMailbox')!.variables).toEqual({ page: { first: 50 } });
    const items = app.wrapper.findAll('[data-testid="mailbox-item"]');
    expect(items[0]!.text()).toContain('new@contoso.example');
    expect(items[0]!.text()).toContain('2 minutes ago');
    expect(items[1]!.text()).toContain('old@contoso.example');

    await items[0]!.trigger('click');
    const frame = app.wrapper.get('iframe[data-testid="mailbox-html"]');
    expect(frame.attributes('sandbox')).toBe('');
    expect(frame.attributes('srcdoc')).toContain('Hello new@contoso.example');
    const link = app.wrapper.get('a[data-testid="mailbox-link"]');
    expect(link.attributes('href')).toBe('http://localhost:4000/invitations/e2-token');
  });

  it('says the mailbox is off when the server sends real emails', async () => {
    app = await mountApp(
      api(() => graphQLError('FORBIDDEN', 'The dev mailbox is off: emails go through Resend.')),
      '/dev/mailbox',
    );
    await waitFor(() => expect(app!.wrapper.text()).toContain('The dev mailbox is off'));
    expect(app.wrapper.text()).toContain("Check the recipient's inbox instead.");
    expect(app.wrapper.text()).not.toContain('Your role does not give access');
  });

  it('is linked from the sidebar', async () => {
    app = await mountApp(
      api(() => mailbox([])),
      '/dev/mailbox',
    );
    await waitFor(() => expect(app!.wrapper.text()).toContain('No emails yet'));
    expect(app.wrapper.get('aside a[href="/dev/mailbox"]').text()).toBe('Dev mailbox');
  });
});
