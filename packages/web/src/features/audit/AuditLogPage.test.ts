import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp } from '../../testing/testing';

function anEvent(id: string, overrides: Partial<Record<string, unknown>> = {}) {
  return {
    __typename: 'AuditEvent',
    id,
    createdAt: new Date(Date.now() - 2 * 3600 * 1000).toISOString(),
    action: 'user.role_changed',
    actorType: 'PERSON',
    actor: { __typename: 'AuditActor', id: 'person-1', type: 'PERSON', name: 'Olivia Owner', email: 'olivia@northwind-msp.example' },
    targetId: 'user-7',
    targetEmail: 'ann@contoso.example',
    ip: '203.0.113.9',
    details: '{"from":"MEMBER","to":"ADMIN"}',
    ...overrides,
  };
}

const events = [
  anEvent('ev-2'),
  anEvent('ev-1', {
    action: 'user.invited',
    actorType: 'API_KEY',
    actor: { __typename: 'AuditActor', id: 'key-1', type: 'API_KEY', name: 'PSA sync', email: null },
    ip: null,
    details: null,
  }),
];

function api() {
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    WebhookEventTypes: () => ({
      data: { webhookEventTypes: [{ __typename: 'WebhookEventType', name: 'user.invited', description: 'A user was invited.' }] },
    }),
    AuditEvents: ({ variables }) => ({
      data: {
        auditEvents: aConnection('AuditEvent', Object.keys(variables.filter ?? {}).length ? events.slice(1) : events, {
          hasNextPage: !variables.filter?.search,
        }),
      },
    }),
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const field = (label: string) => {
  const labelEl = app!.wrapper.findAll('form[role="search"] label').find((l) => l.text() === label)!;
  return app!.wrapper.get(`#${labelEl.attributes('for')}`);
};
const rows = () => app!.wrapper.findAll('[data-testid="audit-row"]');
const exportHref = () => app!.wrapper.get('[data-testid="audit-export"]').attributes('href')!;
const localMidnight = (y: number, m: number, d: number) => new Date(y, m - 1, d).toISOString();

describe('Audit log page', () => {
  it('lists events newest first with who, what, to whom, from where and the details', async () => {
    const fake = api();
    app = await mountApp(fake, '/audit');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(fake.lastCall('AuditEvents')!.variables).toEqual({ filter: {}, page: { first: 25 } });
    expect(
      rows()[0]!
        .findAll('td')
        .map((td) => td.text()),
    ).toEqual(['2 hours ago', 'PersonOlivia Owner', 'user.role_changed', 'ann@contoso.example', '203.0.113.9', 'from: MEMBER · to: ADMIN']);
    expect(rows()[0]!.get('td:nth-child(4) a').attributes('href')).toBe('/users?q=ann@contoso.example');
    expect(
      rows()[1]!
        .findAll('td')
        .map((td) => td.text())
        .slice(1, 5),
    ).toEqual(['API keyPSA sync', 'user.invited', 'ann@contoso.example', '—']);
    expect(app.wrapper.get('nav[aria-label="Main"] a[aria-current="page"]').text()).toBe('Audit log');
    expect(exportHref()).toBe('/api/audit.csv');
  });

  it('says "more than 10,000" for a log the API counted only up to its cap', async () => {
    const fake = fakeApi({
      Me: () => ({ data: { me: aViewer() } }),
      WebhookEventTypes: () => ({ data: { webhookEventTypes: [] } }),
      AuditEvents: () => ({ data: { auditEvents: aConnection('AuditEvent', events, { totalCount: 10_001, hasNextPage: true }) } }),
    });
    app = await mountApp(fake, '/audit');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(app.wrapper.get('.pagination__summary').text()).toBe('Showing 1–2 of more than 10,000 events');
  });

  it('asks again with each filter, keeps them in the address, and the export link carries the same filters', async () => {
    const fake = api();
    app = await mountApp(fake, '/audit');
    await waitFor(() => expect(rows()).toHaveLength(2));

    await field('Actor type').setValue('API_KEY');
    await settle();
    expect(fake.lastCall('AuditEvents')!.variables.filter).toEqual({ actorTypes: ['API_KEY'] });

    await field('Action').setValue('user.invited');
    await field('Action').trigger('change');
    await field('Target email or action starts with').setValue('contoso');
    await field('Target email or action starts with').trigger('change');
    await field('From').setValue('2026-11-01');
    await field('From').trigger('change');
    await field('To (inclusive)').setValue('2026-11-15');
    await field('To (inclusive)').trigger('change');
    await settle();

    const filter = {
      actions: ['user.invited'],
      actorTypes: ['API_KEY'],
      search: 'contoso',
      from: localMidnight(2026, 11, 1),
      // The last day counts in full: the API's `to` is exclusive.
      to: localMidnight(2026, 11, 16),
    };
    expect(fake.lastCall('AuditEvents')!.variables).toEqual({ filter, page: { first: 25 } });
    expect(app.router.currentRoute.value.query).toEqual({
      action: 'user.invited',
      actor: 'API_KEY',
      q: 'contoso',
      from: '2026-11-01',
      to: '2026-11-15',
    });
    expect(rows()).toHaveLength(1);

    const url = new URL(exportHref(), 'http://roster.test');
    expect(url.pathname).toBe('/api/audit.csv');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      actions: 'user.invited',
      actorTypes: 'API_KEY',
      search: 'contoso',
      from: filter.from,
      to: filter.to,
    });
  });

  it('starts from the filters in the address and goes back to the first page when they change', async () => {
    const fake = api();
    app = await mountApp(fake, '/audit?actor=SCIM&q=ann');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(fake.lastCall('AuditEvents')!.variables.filter).toEqual({ actorTypes: ['SCIM'], search: 'ann' });
    expect((field('Target email or action starts with').element as HTMLInputElement).value).toBe('ann');

    await app.router.replace('/audit');
    await settle();
    await waitFor(() => expect(rows()).toHaveLength(2));
    const nextButton = app.wrapper.findAll('button').find((b) => b.text().includes('Next'))!;
    await nextButton.trigger('click');
    await settle();
    expect(fake.lastCall('AuditEvents')!.variables.page).toEqual({ first: 25, after: 'cursor:ev-1' });

    await field('Actor type').setValue('PERSON');
    await settle();
    expect(fake.lastCall('AuditEvents')!.variables).toEqual({ filter: { actorTypes: ['PERSON'] }, page: { first: 25 } });
    // Never the new filters with the previous page's cursor.
    expect(fake.calls('AuditEvents').some((c) => c.variables.filter.actorTypes?.[0] === 'PERSON' && c.variables.page.after)).toBe(false);
  });

  it('says when nothing matches the filters and clears them on request', async () => {
    const fake = fakeApi({
      Me: () => ({ data: { me: aViewer() } }),
      WebhookEventTypes: () => ({ data: { webhookEventTypes: [] } }),
      AuditEvents: ({ variables }) => ({ data: { auditEvents: aConnection('AuditEvent', variables.filter.search ? [] : events) } }),
    });
    app = await mountApp(fake, '/audit?q=nobody');
    await waitFor(() => expect(app!.wrapper.text()).toContain('No events match these filters'));
    const clear = app.wrapper.findAll('button').filter((b) => b.text() === 'Clear filters');
    expect(clear.length).toBeGreaterThan(0);
    await clear.at(-1)!.trigger('click');
    await settle();
    expect(app.router.currentRoute.value.query).toEqual({});
    await waitFor(() => expect(rows()).toHaveLength(2));
  });

  it('shows a failure with Try again, which loads the log once the server answers', async () => {
    let fail = true;
    const fake = fakeApi({
      Me: () => ({ data: { me: aViewer() } }),
      WebhookEventTypes: () => ({ data: { webhookEventTypes: [] } }),
      AuditEvents: () =>
        fail
          ? graphQLError('INTERNAL_SERVER_ERROR', 'The database is not answering.')
          : { data: { auditEvents: aConnection('AuditEvent', events) } },
    });
    app = await mountApp(fake, '/audit');
    await waitFor(() => expect(app!.wrapper.text()).toContain('Could not load the audit log'));
    expect(app.wrapper.text()).toContain('The database is not answering.');
    fail = false;
    await app.wrapper
      .findAll('button')
      .find((b) => b.text() === 'Try again')!
      .trigger('click');
    await waitFor(() => expect(rows()).toHaveLength(2));
  });

  it('refuses a date range that ends before it starts, without asking the server', async () => {
    const fake = api();
    app = await mountApp(fake, '/audit');
    await waitFor(() => expect(rows()).toHaveLength(2));
    await field('From').setValue('2026-11-20');
    await field('To (inclusive)').setValue('2026-11-10');
    await field('To (inclusive)').trigger('change');
    await settle();
    expect(app.wrapper.get('form[role="search"] [role="alert"]').text()).toBe('The start date is after the end date.');
    // The start date alone was a valid filter; the backwards range is never asked for.
    expect(fake.calls('AuditEvents').filter((c) => c.variables.filter.to)).toHaveLength(0);
    expect(app.router.currentRoute.value.query).toEqual({ from: '2026-11-20' });
  });
});
