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

const group = (id: string, name: string, description: string | null, userCount: number, managedBy: string | null = null) => ({
  __typename: 'Group',
  id,
  name,
  description,
  userCount,
  managedBy: managedBy ? { __typename: 'ManagingIntegration', id: `int-${managedBy}`, name: managedBy } : null,
});

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

function api(extra: Array<ReturnType<typeof group>> = []) {
  let groups = [group('g1', 'Helpdesk', 'First line', 12), group('g2', 'Sales', null, 3), ...extra];
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', groups) } }),
    CreateGroup: (op: RecordedOperation) => {
      const created = group('g3', op.variables.input.name, op.variables.input.description ?? null, 0);
      groups = [...groups, created];
      return { data: { createGroup: { __typename: 'GroupPayload', group: created } } };
    },
    UpdateGroup: (op: RecordedOperation) => {
      const { id, name, description } = op.variables.input;
      const current = groups.find((g) => g.id === id)!;
      const updated = { ...current, name: name ?? current.name, description };
      groups = groups.map((g) => (g.id === id ? updated : g));
      return { data: { updateGroup: { __typename: 'GroupPayload', group: updated } } };
    },
    DeleteGroup: (op: RecordedOperation) => {
      groups = groups.filter((g) => g.id !== op.variables.input.id);
      return { data: { deleteGroup: { __typename: 'DeletePayload', deletedId: op.variables.input.id } } };
    },
  });
}

const button = (name: string, root: ButtonRoot = app!.wrapper) => buttonIn(root, name);
const row = (name: string) => app!.wrapper.findAll('[data-testid="group-row"]').find((r) => r.find('td').text() === name)!;
const dialog = () => app!.wrapper.get('[role="dialog"]');
const field = (label: string) => {
  const labelEl = dialog()
    .findAll('label')
    .find((l) => l.text() === label)!;
  return dialog().get(`#${labelEl.attributes('for')}`);
};

async function openGroups(fake: ReturnType<typeof api>, rows = 2) {
  app = await mountApp(fake, '/groups');
  await waitFor(() => expect(app!.wrapper.findAll('[data-testid="group-row"]')).toHaveLength(rows));
}

describe('Groups page: create, edit, delete', () => {
  it('creates a group with a description', async () => {
    const fake = api();
    await openGroups(fake);
    await button('New group').trigger('click');
    await settle();
    await field('Name').setValue('Engineering');
    await field('Description').setValue('Builds things');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('CreateGroup')!.variables).toEqual({ input: { name: 'Engineering', description: 'Builds things' } });
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="group-row"]')).toHaveLength(3));
  });

  it('edits the name and description, and clears an emptied description', async () => {
    const fake = api();
    await openGroups(fake);
    await button('Edit', row('Helpdesk')).trigger('click');
    await settle();
    expect((field('Description').element as HTMLTextAreaElement).value).toBe('First line');
    await field('Name').setValue('Service desk');
    await field('Description').setValue('');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateGroup')!.variables).toEqual({ input: { id: 'g1', name: 'Service desk', description: null } });
    expect(
      row('Service desk')
        .findAll('td')
        .map((td) => td.text())
        .slice(0, 3),
    ).toEqual(['Service desk', '—', '12']);
  });

  it('marks a group an integration manages: its name is read-only with the reason, only the description is sent, and Delete waits', async () => {
    const fake = api([group('g9', 'Okta Admins', null, 4, 'Okta')]);
    await openGroups(fake, 3);
    expect(row('Okta Admins').text()).toContain('Okta');
    const remove = row('Okta Admins').get('[data-testid="delete-group"]');
    expect(remove.attributes('disabled')).toBeDefined();
    expect(remove.attributes('title')).toBe('Okta manages this group: delete it there');
    expect(row('Helpdesk').get('[data-testid="delete-group"]').attributes('disabled')).toBeUndefined();

    await button('Edit', row('Okta Admins')).trigger('click');
    await settle();
    expect(field('Name').attributes('readonly')).toBeDefined();
    expect(dialog().get('[data-testid="name-locked"]').text()).toContain('Kept in step with Okta');
    await field('Description').setValue('Synced admins');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateGroup')!.variables).toEqual({ input: { id: 'g9', description: 'Synced admins' } });
  });

  it('links the group to its members and asks before deleting it', async () => {
    const fake = api();
    await openGroups(fake);
    expect(row('Sales').get('a').attributes('href')).toBe('/users?group=g2');

    await button('Delete', row('Helpdesk')).trigger('click');
    await settle();
    expect(app!.wrapper.get('[role="alertdialog"]').text()).toContain(
      'Delete Helpdesk? Its 12 users stay in the account, no longer in this group.',
    );
    await button('Delete group', app!.wrapper.get('[role="alertdialog"]')).trigger('click');
    await settle();
    expect(fake.lastCall('DeleteGroup')!.variables).toEqual({ input: { id: 'g1' } });
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="group-row"]')).toHaveLength(1));
  });

  it('says "more than 1,000" for a group the API stopped counting, in its row and before deleting it', async () => {
    // The API counts each group's members up to 1,000 (1,001 means more), so a 119,000-member group costs the page no more.
    await openGroups(api([group('g9', 'Everyone', null, 1_001)]), 3);
    const cells = row('Everyone')
      .findAll('td')
      .map((td) => td.text());
    expect(cells[2]).toBe('more than 1,000');
    expect(row('Helpdesk').findAll('td')[2]!.text()).toBe('12');
    await button('Delete', row('Everyone')).trigger('click');
    await settle();
    expect(app!.wrapper.get('[role="alertdialog"]').text()).toContain(
      'Delete Everyone? Its users (more than 1,000) stay in the account, no longer in this group.',
    );
  });
});
