import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp } from '../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const group = (id: string, name: string, description: string | null, userCount: number) => ({
  __typename: 'Group',
  id,
  name,
  description,
  userCount,
  managedBy: null,
});
const company = (id: string, name: string, userCount: number) => ({ __typename: 'Company', id, name, userCount });

const base = {
  Me: () => ({ data: { me: aViewer() } }),
  UsersPage: () => ({ data: { users: aConnection('User', []) } }),
};

describe('the Companies and Groups pages (one shared list page)', () => {
  it('shows groups with their description (a dash when there is none), user counts and row actions', async () => {
    const api = fakeApi({
      ...base,
      Groups: () => ({
        data: { groups: aConnection('Group', [group('g1', 'Helpdesk', 'First line', 1_001), group('g2', 'Sales', null, 3)]) },
      }),
    });
    app = await mountApp(api, '/groups');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="group-row"]')).toHaveLength(2));
    expect(app.wrapper.get('h1').text()).toBe('Groups');
    expect(app.wrapper.findAll('th').map((th) => th.text())).toEqual(['Name', 'Description', 'Users', 'Managed by', 'Actions']);
    const [helpdesk, sales] = app.wrapper.findAll('[data-testid="group-row"]');
    // The actions cell holds one button per action (their text, not the template's whitespace, is what a user reads).
    const cells = (row: typeof helpdesk) =>
      row!.findAll('td').map((td) =>
        td.find('button').exists()
          ? td
              .findAll('button')
              .map((b) => b.text())
              .join(' ')
          : td.text(),
      );
    expect(cells(helpdesk)).toEqual(['Helpdesk', 'First line', 'more than 1,000', '—', 'Edit Delete']);
    expect(cells(sales)).toEqual(['Sales', '—', '3', '—', 'Edit Delete']);
    expect(app.wrapper.text()).toContain('Showing 1–2 of 2 groups');
    expect(api.lastCall('Groups')!.variables).toEqual({ page: { first: 25 } });
  });

  it('says when there are no groups yet', async () => {
    app = await mountApp(fakeApi({ ...base, Groups: () => ({ data: { groups: aConnection('Group', []) } }) }), '/groups');
    await waitFor(() => expect(app!.wrapper.text()).toContain('No groups yet'));
  });

  it('pages through companies with the cursor', async () => {
    const api = fakeApi({
      ...base,
      Companies: (op) =>
        op.variables.page.after
          ? { data: { companies: aConnection('Company', [company('c2', 'Fabrikam', 2)], { totalCount: 26, hasPreviousPage: true }) } }
          : { data: { companies: aConnection('Company', [company('c1', 'Contoso', 4)], { totalCount: 26, hasNextPage: true }) } },
    });
    app = await mountApp(api, '/companies');
    await waitFor(() => expect(app!.wrapper.text()).toContain('Contoso'));
    await app.wrapper
      .findAll('button')
      .find((b) => b.text().includes('Next'))!
      .trigger('click');
    await waitFor(() => expect(app!.wrapper.text()).toContain('Fabrikam'));
    expect(api.lastCall('Companies')!.variables).toEqual({ page: { first: 25, after: 'cursor:c1' } });
    expect(app.wrapper.text()).toContain('Showing 2–2 of 26 companies');
  });

  it('explains an error, and offers no retry when the role forbids it', async () => {
    const api = fakeApi({ ...base, Companies: () => graphQLError('FORBIDDEN', 'Administrators only.') });
    app = await mountApp(api, '/companies');
    await settle();
    await waitFor(() => expect(app!.wrapper.get('[role="alert"]').text()).toContain('Could not load companies'));
    expect(app.wrapper.get('[role="alert"]').text()).toContain('Your role does not give access to the admin dashboard.');
    expect(app.wrapper.get('[role="alert"]').find('button').exists()).toBe(false);
    expect(app.wrapper.findAll('button').some((b) => b.text() === 'New company')).toBe(false);
  });
});
