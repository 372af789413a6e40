import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aUser, aViewer, fakeApi, mountApp, waitFor, type MountedApp } from '../testing/testing';
import Dialog from './Dialog.vue';

/* Issue 14 §4: names may be 200 characters long. They end in an ellipsis in tables, dialog and drawer titles, with the whole value in a title. */

const LONG_NAME = `Managed Services Helpdesk for ${'Northwind '.repeat(18)}`.trim();
const LONG_EMAIL = `${'very.long.local.part.'.repeat(5)}ends@contoso.example`;

let app: MountedApp | undefined;
let wrapper: ReturnType<typeof mount> | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
  wrapper?.unmount();
  wrapper = undefined;
});

describe('long values', () => {
  it('end in an ellipsis in the Groups table, with the whole name and description in their titles', async () => {
    const group = {
      __typename: 'Group',
      id: 'g1',
      name: LONG_NAME,
      description: `Description: ${LONG_NAME}`,
      userCount: 3,
      managedBy: null,
    };
    app = await mountApp(
      fakeApi({
        Me: () => ({ data: { me: aViewer() } }),
        UsersPage: () => ({ data: { users: aConnection('User', []) } }),
        Groups: () => ({ data: { groups: aConnection('Group', [group]) } }),
      }),
      '/groups',
    );
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="group-row"]')).toHaveLength(1));
    const cells = app.wrapper.get('[data-testid="group-row"]').findAll('td');
    const name = cells[0]!.get('.ellipsis');
    expect(name.text()).toBe(LONG_NAME);
    expect(name.attributes('title')).toContain(LONG_NAME);
    const description = cells[1]!.get('.ellipsis');
    expect(description.attributes('title')).toBe(`Description: ${LONG_NAME}`);
  });

  it('end in an ellipsis in a dialog title, whose tooltip holds the whole title; a short title needs none', () => {
    wrapper = mount(Dialog, { props: { title: `Add ${LONG_EMAIL} to groups` }, attachTo: document.body });
    const title = wrapper.get('h2');
    expect(title.classes()).toContain('dialog__title');
    expect(title.attributes('title')).toBe(`Add ${LONG_EMAIL} to groups`);
    wrapper.unmount();

    wrapper = mount(Dialog, { props: { title: 'Invite users' }, attachTo: document.body });
    expect(wrapper.get('h2').attributes('title')).toBeUndefined();
  });

  it('in the user drawer: the title, the address, the company and the groups carry their whole value', async () => {
    const user = aUser({
      id: 'u-long',
      email: LONG_EMAIL,
      name: LONG_NAME,
      company: { id: 'co-1', name: `Company ${LONG_NAME}` },
      groups: [{ id: 'gr-1', name: `Group ${LONG_NAME}` }],
    });
    app = await mountApp(
      fakeApi({
        Me: () => ({ data: { me: aViewer({ role: 'ADMIN' }) } }),
        Companies: () => ({ data: { companies: aConnection('Company', []) } }),
        Groups: () => ({ data: { groups: aConnection('Group', []) } }),
        UsersPage: () => ({ data: { users: aConnection('User', [user]) } }),
        UserDetail: () => ({ data: { user: { ...user, externalId: null, createdAt: '2025-03-12T14:05:00.000Z', managedBy: null } } }),
      }),
      '/users?user=u-long',
    );
    const drawer = () => document.body.querySelector<HTMLElement>('[data-testid="user-panel"]')?.closest<HTMLElement>('[role="dialog"]');
    await waitFor(() => expect(drawer()?.querySelector('[data-testid="user-panel-email"]')).toBeTruthy());
    const title = drawer()!.querySelector('h2')!;
    expect(title.getAttribute('title')).toContain(LONG_NAME);
    expect(drawer()!.querySelector('[data-testid="user-panel-email"]')!.getAttribute('title')).toBe(LONG_EMAIL);
    const company = drawer()!.querySelector('[data-testid="user-panel-company"] a')!;
    expect(company.classList).toContain('ellipsis');
    expect(company.getAttribute('title')).toContain(`Company ${LONG_NAME}`);
    const group = drawer()!.querySelector('[data-testid="user-panel-groups"] a')!;
    expect(group.classList).toContain('ellipsis');
    expect(group.getAttribute('title')).toContain(`Group ${LONG_NAME}`);
    // The row in the table behind: the address and the name end in an ellipsis too, with their titles.
    const row = app.wrapper.get('[data-testid="user-row"]');
    expect(row.get('[data-testid="user-link"]').attributes('title')).toBe(LONG_EMAIL);
    expect(row.get(`[title="${LONG_NAME}"]`).text()).toBe(LONG_NAME);
  });
});
