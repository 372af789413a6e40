import type { DOMWrapper } from '@vue/test-utils';
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

const companies = [{ __typename: 'Company', id: 'co-1', name: 'Contoso', userCount: 2 }];
const groups = [{ __typename: 'Group', id: 'gr-1', name: 'Engineering', description: null, userCount: 3 }];

/** What the server's readInviteAddresses answers for each line these tests type (its rules are tested on the server). */
const READINGS: Record<string, { email: string | null; name: string | null; invalidReason: string | null }> = {
  'Ada Lovelace <ada@contoso.example>': { email: 'ada@contoso.example', name: 'Ada Lovelace', invalidReason: null },
  'ADA@contoso.example': { email: 'ada@contoso.example', name: null, invalidReason: null },
  'kim six@acme-it.test': {
    email: null,
    name: null,
    invalidReason:
      'Not an address: to name the person write "kim <six@acme-it.test>"; if it is one address, did you mean kim.six@acme-it.test?',
  },
  'kim <six@acme-it.test>': { email: 'six@acme-it.test', name: 'kim', invalidReason: null },
  'bad@nodot': { email: null, name: null, invalidReason: 'The domain "nodot" has no dot (for example example.com).' },
  'ann@contoso.example': { email: 'ann@contoso.example', name: null, invalidReason: null },
  'not-an-email': { email: null, name: null, invalidReason: 'The address has no "@".' },
  'fixed@contoso.example': { email: 'fixed@contoso.example', name: null, invalidReason: null },
};
const readAddresses: Responder = ({ variables }) => ({
  data: {
    readInviteAddresses: String(variables.addresses)
      .split(/[\n,]/)
      .map((line) => line.trim())
      .filter(Boolean)
      .map((input) => ({
        __typename: 'ReadAddress',
        input,
        ...(READINGS[input] ?? { email: null, name: null, invalidReason: 'Unknown.' }),
      })),
  },
});

function api(inviteUsers: Responder, options: { role?: string; users?: Responder } = {}) {
  return fakeApi({
    ReadInviteAddresses: readAddresses,
    Me: () => ({ data: { me: aViewer({ role: options.role ?? 'OWNER' }) } }),
    CompanyChoices: namedList('Company', companies),
    CompanyChoice: oneNamed('company', companies),
    GroupChoices: namedList('Group', groups),
    UsersPage: options.users ?? (() => ({ data: { users: aConnection('User', []) } })),
    InviteUsers: inviteUsers,
    ReinviteUsers: ({ variables }) => ({
      data: {
        reinviteUsers: {
          __typename: 'UserActionPayload',
          results: variables.input.userIds.map((userId: string) => ({
            __typename: 'UserActionResult',
            userId,
            email: 'bob@contoso.example',
            ok: true,
            code: null,
            message: 'A new invitation was sent to bob@contoso.example.',
            inviteLink: 'http://localhost/invitations/new-token',
          })),
        },
      },
    }),
  });
}

function aResult(verdict: string, input: string, extra: Record<string, unknown> = {}) {
  return {
    __typename: 'InviteResult',
    input,
    email: verdict === 'INVALID' ? null : input.toLowerCase(),
    name: null,
    verdict,
    reason: null,
    inviteLink: null,
    user: null,
    ...extra,
  };
}

const mixedResults = {
  data: {
    inviteUsers: {
      __typename: 'InviteUsersPayload',
      invitedCount: 2,
      results: [
        aResult('INVITED', 'ann@contoso.example', {
          inviteLink: 'http://localhost/invitations/tok-ann',
          user: { __typename: 'User', id: 'u-ann', email: 'ann@contoso.example', invitationPending: true },
        }),
        aResult('INVITED', 'cy@contoso.example', {
          name: 'Cy Young',
          inviteLink: 'http://localhost/invitations/tok-cy',
          user: { __typename: 'User', id: 'u-cy', email: 'cy@contoso.example', invitationPending: true },
        }),
        aResult('ALREADY_MEMBER', 'olivia@northwind-msp.example', { reason: 'Already a member of this account.' }),
        aResult('ALREADY_INVITED', 'bob@contoso.example', {
          reason: 'Already has a pending invitation; re-invite them instead.',
          user: { __typename: 'User', id: 'u-bob', email: 'bob@contoso.example', invitationPending: true },
        }),
        aResult('INVALID', 'not-an-email', { reason: 'An email address needs an @.' }),
        aResult('DUPLICATE', 'ann@contoso.example', { reason: 'Appears earlier in the list.' }),
      ],
    },
  },
};

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
  vi.unstubAllGlobals();
});

const dialog = () => app!.wrapper.get('[role="dialog"]');
type Root = Pick<DOMWrapper<Element>, 'findAll' | 'get'>;
const buttonIn = (root: Root, name: string) => {
  const found = root.findAll('button').filter((b) => b.text() === name || b.attributes('aria-label') === name);
  if (found.length === 0) throw new Error(`No button "${name}"`);
  return found[0]!;
};
const fieldIn = (root: Root, label: string) => {
  const labelEl = root.findAll('label').find((l) => l.text() === label);
  if (!labelEl) throw new Error(`No field labelled "${label}"`);
  return root.get(`#${CSS.escape(labelEl.attributes('for')!)}`);
};

async function openDialog() {
  await buttonIn(app!.wrapper, 'Invite users').trigger('click');
  await settle();
}

/** Picks a company by typing the start of its name, waiting for the server's answer, then Enter. */
async function pickCompany(typed: string) {
  const box = fieldIn(dialog(), 'Company');
  expect(box.attributes('role')).toBe('combobox');
  await box.setValue(typed);
  await waitFor(() => {
    const list = dialog().get(`#${box.attributes('aria-controls')}`);
    expect(list.findAll('[role="option"]').map((o) => o.text().replace('✓', '').trim())).toEqual(['Contoso']);
  });
  await box.trigger('keydown', { key: 'Enter' });
  expect((box.element as HTMLInputElement).value).toBe('Contoso');
}

describe('Invite users dialog', () => {
  it('sends the pasted list with the chosen options and shows a verdict for every address', async () => {
    const fake = api(() => mixedResults);
    app = await mountApp(fake, '/users');
    await openDialog();

    expect(dialog().attributes('aria-modal')).toBe('true');
    expect(document.activeElement).toBe(fieldIn(dialog(), 'Email addresses').element);

    const pasted =
      'ann@contoso.example, Cy Young <cy@contoso.example>; olivia@northwind-msp.example\nbob@contoso.example not-an-email ann@contoso.example';
    await fieldIn(dialog(), 'Email addresses').setValue(pasted);
    await fieldIn(dialog(), 'Role').setValue('ADMIN');
    await pickCompany('cont');
    await buttonIn(dialog(), 'Send invitations').trigger('click');
    await settle();

    expect(fake.calls('InviteUsers')).toHaveLength(1);
    expect(fake.lastCall('InviteUsers')!.variables.input).toEqual({
      addresses: pasted,
      role: 'ADMIN',
      companyId: 'co-1',
      groupIds: null,
      sendEmail: true,
    });

    expect(dialog().get('[data-testid="invite-summary"]').text()).toBe(
      '2 invited, 1 already a member, 1 already invited, 1 invalid, 1 duplicate',
    );
    const rows = dialog().findAll('[data-testid="invite-result"]');
    expect(rows.map((r) => [r.attributes('data-email'), r.get('[data-testid="verdict-badge"]').text()])).toEqual([
      ['ann@contoso.example', 'Invited'],
      ['cy@contoso.example', 'Invited'],
      ['olivia@northwind-msp.example', 'Already a member'],
      ['bob@contoso.example', 'Already invited'],
      ['not-an-email', 'Invalid'],
      ['ann@contoso.example', 'Duplicate'],
    ]);
    expect(rows[1]!.text()).toContain('Cy Young');
    expect(rows[4]!.text()).toContain('An email address needs an @.');
    expect(rows[4]!.get('[data-testid="verdict-badge"]').classes()).toContain('badge--red');
    // Only the already-invited row offers a re-invite; only invited rows have a link to copy.
    expect(rows[3]!.findAll('button').map((b) => b.text())).toEqual(['Re-invite']);
    expect(rows[0]!.findAll('button').map((b) => b.text())).toEqual(['Copy link']);
    expect(rows[2]!.findAll('button')).toHaveLength(0);
  });

  it('picks groups by typing part of a name (a searchable list, no Ctrl-click) and sends them', async () => {
    const fake = api(() => mixedResults);
    app = await mountApp(fake, '/users');
    await openDialog();
    expect(dialog().find('select[multiple]').exists()).toBe(false);
    const groupsBox = fieldIn(dialog(), 'Groups');
    expect(groupsBox.attributes('role')).toBe('combobox');
    await groupsBox.setValue('engin');
    // The server searches the start of the names once typing pauses.
    await waitFor(() => expect(fake.lastCall('GroupChoices')!.variables).toEqual({ page: { first: 25 }, search: 'engin' }));
    await settle();
    await groupsBox.trigger('keydown', { key: 'Enter' });
    expect(
      dialog()
        .findAll('[data-testid="multi-select-chip"]')
        .map((c) => c.text()),
    ).toEqual(['Engineering']);

    await fieldIn(dialog(), 'Email addresses').setValue('ann@contoso.example');
    await buttonIn(dialog(), 'Send invitations').trigger('click');
    await settle();
    expect(fake.lastCall('InviteUsers')!.variables.input).toMatchObject({ groupIds: ['gr-1'] });
  });

  it('judges each pasted line as it is typed, by the server’s rules, before anything is sent', async () => {
    const fake = api(() => mixedResults);
    app = await mountApp(fake, '/users');
    await openDialog();
    expect(dialog().find('[data-testid="address-verdicts"]').exists()).toBe(false);

    const box = fieldIn(dialog(), 'Email addresses');
    const typed = 'Ada Lovelace <ada@contoso.example>\nkim six@acme-it.test\nbad@nodot\nADA@contoso.example';
    await box.setValue(typed);
    const verdicts = () =>
      dialog()
        .findAll('[data-testid="address-verdict"]')
        .map((v) => [v.attributes('data-kind'), v.get('.verdict__input').text(), v.get('.verdict__text').text()]);
    await waitFor(() =>
      expect(dialog().find('[data-testid="address-verdicts-summary"]').text()).toBe('1 ready to invite · 2 to fix · 1 repeated'),
    );
    // The server reads the list (its rules, not a copy), once typing pauses.
    expect(fake.lastCall('ReadInviteAddresses')!.variables).toEqual({ addresses: typed });
    const [ada, kim, nodot, again] = verdicts();
    expect(ada).toEqual(['ready', 'Ada Lovelace <ada@contoso.example>', 'Ready']);
    expect(kim!.slice(0, 2)).toEqual(['invalid', 'kim six@acme-it.test']);
    expect(kim![2]).toContain('write "kim <six@acme-it.test>"; if it is one address, did you mean kim.six@acme-it.test?');
    expect(nodot).toEqual(['invalid', 'bad@nodot', 'To fix: The domain "nodot" has no dot (for example example.com).']);
    expect(again).toEqual(['repeat', 'ADA@contoso.example', 'Repeats an earlier address: invited once.']);
    // The summary is read out with the box.
    const summaryId = dialog().get('[data-testid="address-verdicts-summary"]').attributes('id')!;
    expect(box.attributes('aria-describedby')!.split(' ')).toContain(summaryId);
    expect(fake.calls('InviteUsers')).toHaveLength(0);

    // Fixed as suggested, every line is ready.
    await box.setValue('Ada Lovelace <ada@contoso.example>\nkim <six@acme-it.test>');
    await waitFor(() => expect(dialog().find('[data-testid="address-verdicts-summary"]').text()).toBe('2 ready to invite'));
    expect(verdicts().map(([kind]) => kind)).toEqual(['ready', 'ready']);
  });

  it('"Invite more" puts the refused lines back in the box to be fixed, and leaves out what was settled', async () => {
    const fake = api(() => mixedResults);
    app = await mountApp(fake, '/users');
    await openDialog();
    await fieldIn(dialog(), 'Email addresses').setValue('ann@contoso.example, not-an-email');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(dialog().findAll('[data-testid="invite-result"]')).toHaveLength(6);

    await buttonIn(dialog(), 'Invite more').trigger('click');
    await settle();
    const box = fieldIn(dialog(), 'Email addresses');
    expect((box.element as HTMLTextAreaElement).value).toBe('not-an-email\n');
    expect(document.activeElement).toBe(box.element);
    expect(dialog().get('[data-testid="kept-for-fixing"]').text()).toBe(
      'The address that could not be invited is back in the box: fix it and send again.',
    );
    await waitFor(() =>
      expect(
        dialog()
          .findAll('[data-testid="address-verdict"]')
          .map((v) => v.attributes('data-kind')),
      ).toEqual(['invalid']),
    );

    await box.setValue('fixed@contoso.example\n');
    await waitFor(() => expect(dialog().find('[data-testid="address-verdicts-summary"]').text()).toBe('1 ready to invite'));
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('InviteUsers')!.variables.input.addresses).toBe('fixed@contoso.example\n');
  });

  it('copies an invitation link and says so', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    app = await mountApp(
      api(() => mixedResults),
      '/users',
    );
    await openDialog();
    await fieldIn(dialog(), 'Email addresses').setValue('ann@contoso.example');
    await dialog().get('form').trigger('submit');
    await settle();

    const ann = dialog().findAll('[data-testid="invite-result"]')[0]!;
    await buttonIn(ann, 'Copy link').trigger('click');
    await settle();
    expect(writeText).toHaveBeenCalledWith('http://localhost/invitations/tok-ann');
    expect(ann.text()).toContain('Copied');
  });

  it('re-invites an address that already had a pending invitation, from its result row', async () => {
    const fake = api(() => mixedResults);
    app = await mountApp(fake, '/users');
    await openDialog();
    await fieldIn(dialog(), 'Email addresses').setValue('bob@contoso.example');
    await dialog().get('form').trigger('submit');
    await settle();

    const bob = dialog().findAll('[data-testid="invite-result"]')[3]!;
    await buttonIn(bob, 'Re-invite').trigger('click');
    await settle();
    expect(fake.lastCall('ReinviteUsers')!.variables.input).toEqual({ userIds: ['u-bob'], sendEmail: true });
    expect(bob.text()).toContain('A new invitation was sent to bob@contoso.example.');
  });

  it('says the seat limit stopped the addresses past it, with how many seats are left, and marks each one', async () => {
    const reason =
      "The account's seat limit is reached: no seats are left of 10. Suspend or un-invite users, or ask the account owner to raise the limit.";
    const fake = api(() => ({
      data: {
        inviteUsers: {
          __typename: 'InviteUsersPayload',
          invitedCount: 1,
          results: [
            aResult('INVITED', 'ann@contoso.example', {
              user: { __typename: 'User', id: 'u-ann', email: 'ann@contoso.example', invitationPending: true },
            }),
            aResult('SEAT_LIMIT_REACHED', 'bo@contoso.example', { reason }),
            aResult('SEAT_LIMIT_REACHED', 'cy@contoso.example', { reason }),
          ],
        },
      },
    }));
    app = await mountApp(fake, '/users');
    await openDialog();
    await fieldIn(dialog(), 'Email addresses').setValue('ann@contoso.example\nbo@contoso.example\ncy@contoso.example');
    await buttonIn(dialog(), 'Send invitations').trigger('click');
    await waitFor(() => expect(dialog().get('[data-testid="invite-seat-limit"]').text()).toBe(reason));
    expect(dialog().get('[data-testid="invite-summary"]').text()).toBe('1 invited, 2 over the seat limit');
    const refused = dialog().findAll('[data-testid="invite-result"][data-verdict="SEAT_LIMIT_REACHED"]');
    expect(refused.map((r) => r.attributes('data-email'))).toEqual(['bo@contoso.example', 'cy@contoso.example']);
    expect(refused[0]!.text()).toContain('Seat limit reached');
  });

  it('shows a server refusal in the dialog and keeps what was typed', async () => {
    const fake = api(() =>
      graphQLError('TOO_MANY_ADDRESSES', 'You pasted 1,200 addresses; invite at most 1,000 at a time, or import a CSV file.', {
        field: 'input.addresses',
        limit: 1000,
      }),
    );
    app = await mountApp(fake, '/users');
    await openDialog();
    const list = Array.from({ length: 1200 }, (_, i) => `p${i}@contoso.example`).join('\n');
    await fieldIn(dialog(), 'Email addresses').setValue(list);
    await dialog().get('form').trigger('submit');
    await settle();

    expect(dialog().get('[data-testid="invite-error"]').text()).toContain('invite at most 1,000 at a time');
    const textarea = fieldIn(dialog(), 'Email addresses');
    expect((textarea.element as HTMLTextAreaElement).value).toBe(list);
    expect(textarea.attributes('aria-invalid')).toBe('true');
    expect(dialog().find('[data-testid="invite-summary"]').exists()).toBe(false);
  });

  it('names the field when a chosen company no longer exists', async () => {
    app = await mountApp(
      api(() => graphQLError('NOT_FOUND', 'Company was not found.', { field: 'input.companyId' })),
      '/users',
    );
    await openDialog();
    await fieldIn(dialog(), 'Email addresses').setValue('ann@contoso.example');
    await pickCompany('cont');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(dialog().get('[data-testid="invite-error"]').text()).toContain('Company was not found.');
    expect(fieldIn(dialog(), 'Company').attributes('aria-invalid')).toBe('true');
  });

  it('offers Owner only to owners, and says "Create invitations" when no email is sent', async () => {
    app = await mountApp(
      api(() => mixedResults, { role: 'ADMIN' }),
      '/users',
    );
    await openDialog();
    const roles = fieldIn(dialog(), 'Role')
      .findAll('option')
      .map((o) => o.text());
    expect(roles).toEqual(['Member', 'Administrator']);
    expect((fieldIn(dialog(), 'Role').element as HTMLSelectElement).value).toBe('MEMBER');

    await dialog().get('input[type="checkbox"]').setValue(false);
    expect(
      dialog()
        .findAll('button')
        .some((b) => b.text() === 'Create invitations'),
    ).toBe(true);
    expect(
      dialog()
        .findAll('button')
        .some((b) => b.text() === 'Send invitations'),
    ).toBe(false);
    app.wrapper.unmount();

    app = await mountApp(
      api(() => mixedResults, { role: 'OWNER' }),
      '/users',
    );
    await openDialog();
    expect(
      fieldIn(dialog(), 'Role')
        .findAll('option')
        .map((o) => o.text()),
    ).toEqual(['Member', 'Administrator', 'Owner']);
  });

  it('closes with Escape, and refetches the users after invitations were created', async () => {
    let invited = false;
    const fake = api(
      () => {
        invited = true;
        return mixedResults;
      },
      {
        users: () => ({
          data: {
            users: aConnection(
              'User',
              invited ? [aUser({ email: 'ann@contoso.example', status: 'INVITED', invitationPending: true, invitation: {} })] : [],
            ),
          },
        }),
      },
    );
    app = await mountApp(fake, '/users');

    // Escape without inviting: nothing to refetch.
    await openDialog();
    await dialog().trigger('keydown', { key: 'Escape' });
    await settle();
    expect(app.wrapper.find('[role="dialog"]').exists()).toBe(false);
    const before = fake.calls('UsersPage').length;

    await openDialog();
    await fieldIn(dialog(), 'Email addresses').setValue('ann@contoso.example');
    await dialog().get('form').trigger('submit');
    await settle();
    await buttonIn(dialog(), 'Done').trigger('click');
    await settle();

    expect(app.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(fake.calls('UsersPage').length).toBeGreaterThan(before);
    const row = app.wrapper.get('[data-testid="user-row"][data-email="ann@contoso.example"]');
    expect(row.get('[data-testid="badge-pending"]').text()).toBe('Invitation pending');
  });
});
