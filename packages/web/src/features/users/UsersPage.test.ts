import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  aConnection,
  aUser,
  aViewer,
  fakeApi,
  graphQLError,
  mountApp,
  namedList,
  oneNamed,
  settle,
  waitFor,
  type MountedApp,
  type Responder,
} from '../../testing/testing';

const companies = [
  { __typename: 'Company', id: 'co-1', name: 'Contoso', userCount: 2 },
  { __typename: 'Company', id: 'co-2', name: 'Fabrikam', userCount: 1 },
];
const groups = [{ __typename: 'Group', id: 'gr-1', name: 'Engineering', description: null, userCount: 3 }];
/** An MSP's many clients, beyond any first page: "Client 001" … "Client 130". */
const clients = Array.from({ length: 130 }, (_, i) => ({
  __typename: 'Company',
  id: `cl-${i + 1}`,
  name: `Client ${String(i + 1).padStart(3, '0')}`,
  userCount: 0,
}));

function api(users: Responder) {
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    CompanyChoices: namedList('Company', [...companies, ...clients]),
    CompanyChoice: oneNamed('company', [...companies, ...clients]),
    GroupChoices: namedList('Group', groups),
    GroupChoice: oneNamed('group', groups),
    UsersPage: users,
  });
}

const threeUsers = [
  aUser({
    email: 'ada@contoso.example',
    name: 'Ada Admin',
    role: 'ADMIN',
    lastActiveAt: new Date(Date.now() - 3 * 3600 * 1000).toISOString(),
    company: { id: 'co-1', name: 'Contoso' },
    groups: [{ id: 'gr-1', name: 'Engineering' }],
  }),
  aUser({ email: 'ivan@contoso.example', name: null, status: 'INVITED', invitationPending: true }),
  aUser({ email: 'sam@fabrikam.example', name: 'Sam Suspended', status: 'SUSPENDED' }),
];

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const rows = () => app!.wrapper.findAll('[data-testid="user-row"]');
const row = (email: string) => app!.wrapper.get(`[data-testid="user-row"][data-email="${email}"]`);
const text = () => app!.wrapper.text();

describe('Users page', () => {
  it('says "1 user" for a single user, on a summary line and table that tests can find', async () => {
    app = await mountApp(
      api(() => ({ data: { users: aConnection('User', [threeUsers[0]!]) } })),
      '/users',
    );
    expect(app.wrapper.get('[data-testid="users-summary"]').text()).toBe('Showing 1–1 of 1 user');
    const table = app.wrapper.get('table[data-testid="users-table"]');
    expect(table.classes()).toContain('users-table');
    expect(table.findAll('[data-testid="user-row"]')).toHaveLength(1);
  });

  it('cuts long values with an ellipsis but keeps the full text in their title', async () => {
    const long = 'a.very.long.address.for.a.very.long.name@subsidiary.contoso-holdings.example';
    app = await mountApp(
      api(() => ({
        data: {
          users: aConnection('User', [
            aUser({
              email: long,
              name: 'Maximiliana Wolfeschlegelsteinhausen',
              company: { id: 'co-9', name: 'Contoso Holdings International' },
            }),
          ]),
        },
      })),
      '/users',
    );
    const user = row(long);
    expect(user.get('.cell-email [title]').attributes('title')).toBe(long);
    expect(user.find('[title="Maximiliana Wolfeschlegelsteinhausen"]').exists()).toBe(true);
    expect(user.find('[title="Contoso Holdings International"]').exists()).toBe(true);
  });

  it('lists the users with their details, badges and relative last activity', async () => {
    app = await mountApp(
      api(() => ({ data: { users: aConnection('User', threeUsers) } })),
      '/users',
    );

    expect(rows().map((r) => r.attributes('data-email'))).toEqual(['ada@contoso.example', 'ivan@contoso.example', 'sam@fabrikam.example']);
    const ada = row('ada@contoso.example');
    expect(ada.text()).toContain('Ada Admin');
    expect(ada.text()).toContain('Contoso');
    expect(ada.text()).toContain('Engineering');
    expect(ada.text()).toContain('3 hours ago');
    expect(ada.get('[data-testid="badge-admin"]').text()).toBe('Administrator');
    expect(ada.find('[data-testid="badge-pending"]').exists()).toBe(false);

    const ivan = row('ivan@contoso.example');
    expect(ivan.get('[data-testid="badge-pending"]').text()).toBe('Invitation pending');
    expect(ivan.find('[data-testid="badge-admin"]').exists()).toBe(false);
    expect(ivan.text()).toContain('Never');

    const sam = row('sam@fabrikam.example');
    expect(sam.get('[data-testid="badge-suspended"]').text()).toBe('Suspended');
    expect(sam.text()).toContain('Member');

    expect(text()).toContain('Showing 1–3 of 3 users');
    // The top bar says who is signed in, and where.
    expect(text()).toContain('Northwind MSP');
    expect(text()).toContain('olivia@northwind-msp.example');
  });

  it('says "No users yet" when the account has no users at all', async () => {
    app = await mountApp(
      api(() => ({ data: { users: aConnection('User', []) } })),
      '/users',
    );
    expect(text()).toContain('No users yet');
    expect(text()).not.toContain('No users match these filters');
  });

  it('offers to clear the filters when nothing matches them, and clearing asks again without them', async () => {
    const fake = api(({ variables }) => {
      const filtered = Object.keys(variables.filter ?? {}).length > 0;
      return { data: { users: aConnection('User', filtered ? [] : threeUsers) } };
    });
    app = await mountApp(fake, '/users?status=suspended&q=nobody');

    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ search: 'nobody', statuses: ['SUSPENDED'] });
    expect(text()).toContain('No users match these filters');
    const clear = app.wrapper.findAll('button').filter((b) => b.text() === 'Clear filters');
    expect(clear).toHaveLength(1);

    await clear[0]!.trigger('click');
    await settle();

    expect(app.router.currentRoute.value.query).toEqual({});
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({});
    expect(rows()).toHaveLength(3);
    expect((app.wrapper.get('input[type="search"]').element as HTMLInputElement).value).toBe('');
  });

  it('shows the error with a "Try again" button that loads the users once the server recovers', async () => {
    let fail = true;
    app = await mountApp(
      api(() =>
        fail
          ? graphQLError('INTERNAL_SERVER_ERROR', 'The database is not answering.')
          : { data: { users: aConnection('User', threeUsers) } },
      ),
      '/users',
    );

    expect(text()).toContain('Could not load users');
    expect(text()).toContain('The database is not answering.');
    expect(rows()).toHaveLength(0);

    fail = false;
    const retry = app.wrapper.findAll('button').find((b) => b.text() === 'Try again');
    await retry!.trigger('click');
    await settle();

    expect(rows()).toHaveLength(3);
    expect(text()).not.toContain('Could not load users');
  });

  it('tells a member that their role does not give access', async () => {
    app = await mountApp(
      api(() => graphQLError('FORBIDDEN', 'Administrators only.')),
      '/users',
    );
    expect(text()).toContain('Your role does not give access to the admin dashboard.');
    expect(app.wrapper.findAll('button').some((b) => b.text() === 'Try again')).toBe(false);
  });

  it('shows a loading state until the users arrive', async () => {
    let answer!: () => void;
    const gate = new Promise<void>((resolve) => (answer = resolve));
    app = await mountApp(
      api(async () => {
        await gate;
        return { data: { users: aConnection('User', threeUsers) } };
      }),
      '/users',
    );
    expect(text()).toContain('Loading users…');
    answer();
    await settle();
    expect(text()).not.toContain('Loading users…');
    expect(rows()).toHaveLength(3);
  });

  it('searches by email or name 250 ms after the last keystroke and keeps it in the URL', async () => {
    const fake = api(({ variables }) => ({
      data: {
        users: aConnection(
          'User',
          threeUsers.filter((u) => !variables.filter?.search || u.email.includes(variables.filter.search)),
        ),
      },
    }));
    app = await mountApp(fake, '/users');
    const before = fake.calls('UsersPage').length;

    const input = app.wrapper.get('input[type="search"]');
    // The page's own clock: 249 ms after the last keystroke nothing is asked, at 250 ms the search is.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await input.setValue('ad');
      await vi.advanceTimersByTimeAsync(200);
      await input.setValue('ada');
      await vi.advanceTimersByTimeAsync(249);
      expect(fake.calls('UsersPage')).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      await vi.advanceTimersByTimeAsync(50);
    } finally {
      vi.useRealTimers();
    }
    await waitFor(() => expect(fake.calls('UsersPage')).toHaveLength(before + 1));
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ search: 'ada' });
    expect(app.router.currentRoute.value.query.q).toBe('ada');
    expect(rows().map((r) => r.attributes('data-email'))).toEqual(['ada@contoso.example']);
  });

  it('filters by any company and group, found by typing the start of the name (the server searches, a page at a time)', async () => {
    const fake = api(() => ({ data: { users: aConnection('User', threeUsers) } }));
    app = await mountApp(fake, '/users');
    const combobox = (label: string) =>
      app!.wrapper.get<HTMLInputElement>(
        'input[role="combobox"]#' +
          app!.wrapper
            .findAll('label')
            .find((l) => l.text() === label)!
            .attributes('for'),
      );
    const optionsOf = (box: ReturnType<typeof combobox>) =>
      app!.wrapper
        .get(`#${box.attributes('aria-controls')}`)
        .findAll('[role="option"]')
        .map((o) => o.text().replace('✓', '').trim());

    const company = combobox('Company');
    expect(company.element.value).toBe('Any company');
    // The first page of names only, without the per-company user counts.
    expect(fake.lastCall('CompanyChoices')!.variables).toEqual({ page: { first: 25 }, search: null });
    await company.trigger('keydown', { key: 'ArrowDown' });
    expect(optionsOf(company)).toHaveLength(26);
    expect(optionsOf(company).slice(0, 3)).toEqual(['Any company', 'Client 001', 'Client 002']);

    // Reaching the last name loaded reads the next page.
    await company.trigger('keydown', { key: 'End' });
    await waitFor(() => expect(optionsOf(company)).toHaveLength(51));
    expect(fake.lastCall('CompanyChoices')!.variables).toEqual({ page: { first: 25, after: 'cursor:cl-25' }, search: null });

    // Typing asks the server for the names starting with the text, once typing pauses.
    const searches = fake.calls('CompanyChoices').length;
    await company.setValue('client 1');
    await company.setValue('client 12');
    await waitFor(() => expect(fake.lastCall('CompanyChoices')!.variables).toEqual({ page: { first: 25 }, search: 'client 12' }));
    expect(fake.calls('CompanyChoices')).toHaveLength(searches + 1);
    await waitFor(() => expect(optionsOf(company)).toEqual(Array.from({ length: 10 }, (_, i) => `Client 12${i}`)));
    await company.trigger('keydown', { key: 'End' });
    await company.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(app.router.currentRoute.value.query.company).toBe('cl-129');
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ companyId: 'cl-129' });
    expect(company.element.value).toBe('Client 129');

    const group = combobox('Group');
    await group.setValue('eng');
    await waitFor(() => expect(optionsOf(group)).toEqual(['Engineering']));
    await group.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ companyId: 'cl-129', groupId: 'gr-1' });

    const role = app.wrapper.get(
      'select#' +
        app.wrapper
          .findAll('label')
          .find((l) => l.text() === 'Role')!
          .attributes('for'),
    );
    await role.setValue('admin');
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ companyId: 'cl-129', groupId: 'gr-1', roles: ['ADMIN'] });
  });

  it('names the company filtered on from the address, even beyond the first page, and says when it is gone', async () => {
    const fake = api(() => ({ data: { users: aConnection('User', threeUsers) } }));
    app = await mountApp(fake, '/users?company=cl-120&group=gr-404');
    const box = (label: string) =>
      app!.wrapper.get<HTMLInputElement>(
        'input#' +
          app!.wrapper
            .findAll('label')
            .find((l) => l.text() === label)!
            .attributes('for'),
      );
    await waitFor(() => expect(box('Company').element.value).toBe('Client 120'));
    expect(fake.lastCall('CompanyChoice')!.variables).toEqual({ id: 'cl-120' });
    await waitFor(() => expect(box('Group').element.value).toBe('Unknown group'));
  });

  it('sorts by a column header, toggling the direction, and says so with aria-sort', async () => {
    const fake = api(() => ({ data: { users: aConnection('User', threeUsers) } }));
    app = await mountApp(fake, '/users');

    const header = (label: string) => app!.wrapper.findAll('th').find((th) => th.text() === label)!;
    expect(header('Email').attributes('aria-sort')).toBe('ascending');
    expect(header('Last activity').attributes('aria-sort')).toBe('none');

    await header('Last activity').get('button').trigger('click');
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.orderBy).toEqual({ field: 'LAST_ACTIVE_AT', direction: 'ASC' });
    expect(header('Last activity').attributes('aria-sort')).toBe('ascending');
    expect(header('Email').attributes('aria-sort')).toBe('none');

    await header('Last activity').get('button').trigger('click');
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.orderBy).toEqual({ field: 'LAST_ACTIVE_AT', direction: 'DESC' });
    expect(header('Last activity').attributes('aria-sort')).toBe('descending');
    expect(app.router.currentRoute.value.query).toMatchObject({ sort: 'lastActive', dir: 'desc' });
  });

  it('shows a search best match first, without column sorting, and a capped total as "more than 1,000"', async () => {
    const fake = api(({ variables }) => ({
      data: { users: aConnection('User', threeUsers, variables.filter?.search ? { totalCount: 1_001, hasNextPage: true } : {}) },
    }));
    app = await mountApp(fake, '/users?q=a&sort=name&dir=desc');
    expect(app.wrapper.get('[data-testid="users-summary"]').text()).toBe('Showing 1–3 of more than 1,000 users');
    expect(app.wrapper.get('[data-testid="users-search-order"]').text()).toContain('Best match first: emails that start with “a”');
    const header = (label: string) => app!.wrapper.findAll('th').find((th) => th.text() === label)!;
    expect(header('Name').attributes('aria-sort')).toBeUndefined();
    expect(header('Name').find('button').exists()).toBe(false);

    // Without the search, the chosen sort is back (it stayed in the URL) and the total is exact again.
    await app.wrapper.get('input[type="search"]').setValue('');
    await waitFor(() => expect(header('Name').attributes('aria-sort')).toBe('descending'));
    expect(app.wrapper.find('[data-testid="users-search-order"]').exists()).toBe(false);
    expect(app.wrapper.get('[data-testid="users-summary"]').text()).toBe('Showing 1–3 of 3 users');
  });

  it('pages forward with after/first and back with before/last, counting the rows shown', async () => {
    const all = Array.from({ length: 60 }, (_, i) => aUser({ id: `u${i + 1}`, email: `u${i + 1}@x.example` }));
    const fake = api(({ variables }) => {
      const { first, after, last, before } = variables.page;
      let from = 0;
      let to = 0;
      if (before) {
        to = all.findIndex((u) => `cursor:${u.id}` === before);
        from = Math.max(0, to - last);
      } else {
        from = after ? all.findIndex((u) => `cursor:${u.id}` === after) + 1 : 0;
        to = Math.min(all.length, from + first);
      }
      return {
        data: {
          users: aConnection('User', all.slice(from, to), {
            totalCount: 60,
            hasPreviousPage: from > 0,
            hasNextPage: to < all.length,
          }),
        },
      };
    });
    app = await mountApp(fake, '/users');
    const button = (name: string) => app!.wrapper.get(`button[aria-label="${name}"]`);

    expect(text()).toContain('Showing 1–25 of 60 users');
    expect(button('Previous page').attributes('disabled')).toBeDefined();

    await button('Next page').trigger('click');
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.page).toEqual({ first: 25, after: 'cursor:u25' });
    expect(text()).toContain('Showing 26–50 of 60 users');
    expect(rows()[0]!.attributes('data-email')).toBe('u26@x.example');

    await button('Next page').trigger('click');
    await settle();
    expect(text()).toContain('Showing 51–60 of 60 users');
    expect(button('Next page').attributes('disabled')).toBeDefined();

    await button('Previous page').trigger('click');
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.page).toEqual({ last: 25, before: 'cursor:u51' });
    expect(text()).toContain('Showing 26–50 of 60 users');

    const size = app.wrapper.get(
      'select#' +
        app.wrapper
          .findAll('label')
          .find((l) => l.text() === 'Rows per page')!
          .attributes('for'),
    );
    await size.setValue('50');
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.page).toEqual({ first: 50 });
    expect(text()).toContain('Showing 1–50 of 60 users');
  });

  it('restores filters, sort and page size from the URL on reload', async () => {
    const fake = api(() => ({ data: { users: aConnection('User', threeUsers) } }));
    app = await mountApp(fake, '/users?q=ada&role=owner&group=gr-1&sort=name&dir=desc&size=100');
    expect(fake.lastCall('UsersPage')!.variables).toEqual({
      page: { first: 100 },
      filter: { search: 'ada', roles: ['OWNER'], groupId: 'gr-1' },
      orderBy: { field: 'NAME', direction: 'DESC' },
    });
    expect((app.wrapper.get('input[type="search"]').element as HTMLInputElement).value).toBe('ada');
  });
});
