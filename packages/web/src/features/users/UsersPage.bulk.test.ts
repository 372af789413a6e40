import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aUser,
  aViewer,
  buttonIn,
  fakeApi,
  graphQLError,
  mountApp,
  namedList,
  settle,
  waitFor,
  type ButtonRoot,
  type MountedApp,
  type RecordedOperation,
  type Responder,
} from '../../testing/testing';

const ann = aUser({ id: 'u-ann', email: 'ann@contoso.example' });
const bob = aUser({ id: 'u-bob', email: 'bob@contoso.example' });
const cai = aUser({ id: 'u-cai', email: 'cai@contoso.example' });
const contoso = { __typename: 'Company', id: 'c1', name: 'Contoso', userCount: 0 };
const helpdesk = { __typename: 'Group', id: 'g1', name: 'Helpdesk', description: null, userCount: 0 };
const sales = { __typename: 'Group', id: 'g2', name: 'Sales', description: null, userCount: 0 };

const changedUsers = (op: RecordedOperation, extra: Record<string, unknown>) =>
  op.variables.input.userIds.map((id: string) => ({ __typename: 'User', id, ...extra }));

function api(overrides: Record<string, Responder> = {}) {
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    CompanyChoices: namedList('Company', [contoso]),
    GroupChoices: namedList('Group', [helpdesk, sales]),
    UsersPage: () => ({ data: { users: aConnection('User', [ann, bob, cai]) } }),
    AddGroupMembers: (op) => ({
      data: {
        addGroupMembers: {
          __typename: 'UsersPayload',
          users: changedUsers(op, { groups: [{ __typename: 'Group', id: 'g1', name: 'Helpdesk' }] }),
        },
      },
    }),
    RemoveGroupMembers: (op) => ({
      data: { removeGroupMembers: { __typename: 'UsersPayload', users: changedUsers(op, { groups: [] }) } },
    }),
    SetUsersCompany: (op) => ({
      data: {
        setUsersCompany: {
          __typename: 'UsersPayload',
          users: changedUsers(op, { company: op.variables.input.companyId ? { __typename: 'Company', id: 'c1', name: 'Contoso' } : null }),
        },
      },
    }),
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const button = (name: string, root: ButtonRoot = app!.wrapper) => buttonIn(root, name);
const dialog = () => app!.wrapper.get('[role="dialog"]');
const toasts = () => app!.wrapper.get('[data-testid="toasts"]');

async function select(...emails: string[]) {
  for (const email of emails) await app!.wrapper.get(`input[aria-label="Select ${email}"]`).setValue(true);
}

/** The names the dialog's picker offers now. */
const offered = () => {
  const box = dialog().get('input[role="combobox"]');
  return dialog()
    .get(`#${box.attributes('aria-controls')}`)
    .findAll('[role="option"]')
    .map((o) => o.text().replace('✓', '').trim());
};

/**
 * Groups (and companies) are picked by typing the start of their name into the searchable picker, waiting for the
 * server's answer, then Enter.
 */
async function pickGroup(text: string, expected = [text]) {
  const box = dialog().get('input[role="combobox"]');
  await box.setValue(text);
  await waitFor(() => expect(offered()).toEqual(expected));
  await box.trigger('keydown', { key: 'Enter' });
}

describe('Users page: bulk company and group changes', () => {
  it('adds the selected users to the groups picked by typing, says so and reads the list again', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await select('ann@contoso.example', 'cai@contoso.example');
    const usersReads = fake.calls('UsersPage').length;

    await button('Add to group…', app.wrapper.get('[data-testid="bulk-bar"]')).trigger('click');
    await settle();
    expect(dialog().text()).toContain('Add 2 users to groups');
    expect(dialog().find('select').exists()).toBe(false);
    await pickGroup('help', ['Helpdesk']);
    await pickGroup('sal', ['Sales']);
    expect(
      dialog()
        .findAll('[data-testid="multi-select-chip"]')
        .map((c) => c.text()),
    ).toEqual(['Helpdesk', 'Sales']);
    await dialog().get('form').trigger('submit');
    await settle();

    expect(fake.calls('AddGroupMembers').map((c) => c.variables)).toEqual([
      { input: { groupId: 'g1', userIds: ['u-ann', 'u-cai'] } },
      { input: { groupId: 'g2', userIds: ['u-ann', 'u-cai'] } },
    ]);
    expect(app.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('Added 2 users to Helpdesk and Sales.');
    expect(fake.calls('UsersPage').length).toBeGreaterThan(usersReads);
  });

  it('asks for a group before calling the server', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await select('bob@contoso.example');
    await button('Remove from group…').trigger('click');
    await settle();
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.calls('RemoveGroupMembers')).toHaveLength(0);
    expect(dialog().text()).toContain('Choose a group.');

    await pickGroup('sa', ['Sales']);
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('RemoveGroupMembers')!.variables).toEqual({ input: { groupId: 'g2', userIds: ['u-bob'] } });
    expect(toasts().text()).toContain('Removed 1 user from Sales.');
  });

  it('sets a company, or none, for the selected users', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await select('ann@contoso.example', 'bob@contoso.example');

    await button('Set company…').trigger('click');
    await settle();
    const box = dialog().get<HTMLInputElement>('input[role="combobox"]');
    expect(box.attributes('placeholder')).toBe('Choose a company');
    await box.trigger('keydown', { key: 'ArrowDown' });
    await waitFor(() => expect(offered()).toEqual(['No company', 'Contoso']));
    await box.trigger('keydown', { key: 'ArrowDown' });
    await box.trigger('keydown', { key: 'Enter' });
    expect(box.element.value).toBe('Contoso');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('SetUsersCompany')!.variables).toEqual({ input: { userIds: ['u-ann', 'u-bob'], companyId: 'c1' } });
    expect(toasts().text()).toContain('Moved 2 users to Contoso.');

    await button('Set company…').trigger('click');
    await settle();
    const again = dialog().get('input[role="combobox"]');
    await again.trigger('keydown', { key: 'ArrowDown' });
    await waitFor(() => expect(offered()).toEqual(['No company', 'Contoso']));
    await again.trigger('keydown', { key: 'Enter' });
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('SetUsersCompany')!.variables).toEqual({ input: { userIds: ['u-ann', 'u-bob'], companyId: null } });
    expect(toasts().text()).toContain('Took 2 users out of their company.');
  });

  it('keeps the dialog open with the reason when the group is gone', async () => {
    const fake = api({ AddGroupMembers: () => graphQLError('NOT_FOUND', 'Group not found.', { field: 'input.groupId' }) });
    app = await mountApp(fake, '/users');
    await select('ann@contoso.example');
    await button('Add to group…').trigger('click');
    await settle();
    await dialog().get('form').trigger('submit');
    await settle();
    expect(dialog().text()).toContain('Choose at least one group.');
    expect(fake.calls('AddGroupMembers')).toHaveLength(0);
    await pickGroup('help', ['Helpdesk']);
    await dialog().get('form').trigger('submit');
    await settle();
    expect(dialog().get('[role="alert"]').text()).toContain('Group not found. It may have been deleted meanwhile; choose again.');
  });

  it('says which groups were done when a later one fails, and keeps only the rest chosen', async () => {
    const fake = api({
      AddGroupMembers: (op) =>
        op.variables.input.groupId === 'g2'
          ? graphQLError('NOT_FOUND', 'Group not found.', { field: 'input.groupId' })
          : {
              data: {
                addGroupMembers: {
                  __typename: 'UsersPayload',
                  users: changedUsers(op, { groups: [{ __typename: 'Group', id: 'g1', name: 'Helpdesk' }] }),
                },
              },
            },
    });
    app = await mountApp(fake, '/users');
    await select('ann@contoso.example');
    await button('Add to group…').trigger('click');
    await settle();
    await pickGroup('help', ['Helpdesk']);
    await pickGroup('sal', ['Sales']);
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.calls('AddGroupMembers')).toHaveLength(2);
    expect(dialog().get('[role="alert"]').text()).toBe(
      'Group not found. It may have been deleted meanwhile; choose again. They were added to Helpdesk.',
    );
    expect(
      dialog()
        .findAll('[data-testid="multi-select-chip"]')
        .map((c) => c.text()),
    ).toEqual(['Sales']);
  });
});
