import type { DOMWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aUser,
  aViewer,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type Responder,
} from '../../testing/testing';

const ada = aUser({
  id: 'u-ada',
  email: 'ada@contoso.example',
  name: 'Ada Lovelace',
  jobTitle: 'Service Desk Lead',
});
const bob = aUser({ id: 'u-bob', email: 'bob@contoso.example', name: 'Bob' });

function api(inviteUsers: Responder = () => graphQLError('INTERNAL', 'not expected')) {
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role: 'ADMIN' }) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    UsersPage: () => ({ data: { users: aConnection('User', [ada, bob]) } }),
    UserDetail: (op) => ({
      data: {
        user: {
          ...(op.variables.id === 'u-ada' ? ada : bob),
          externalId: null,
          createdAt: '2025-03-12T14:05:00.000Z',
        },
      },
    }),
    InviteUsers: inviteUsers,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

type Root = Pick<DOMWrapper<Element>, 'findAll' | 'get'>;
const row = (email: string) => app!.wrapper.get(`[data-testid="user-row"][data-email="${email}"]`);
const dialog = () => app!.wrapper.get('[role="dialog"]');
const buttonIn = (root: Root, name: string) => root.findAll('button').find((b) => b.text() === name)!;
const fieldIn = (root: Root, label: string) =>
  root.get(
    `#${CSS.escape(
      root
        .findAll('label')
        .find((l) => l.text() === label)!
        .attributes('for')!,
    )}`,
  );
const inPanel = (testid: string) =>
  document.body
    .querySelector('[data-testid="user-panel"]')
    ?.closest('[role="dialog"]')
    ?.querySelector<HTMLElement>(`[data-testid="${testid}"]`) ?? null;

describe("a user's job title", () => {
  it('shows under the name in the Users table, only for users who have one', async () => {
    app = await mountApp(api(), '/users');
    expect(row('ada@contoso.example').get('[data-testid="user-job-title"]').text()).toBe('Service Desk Lead');
    expect(row('bob@contoso.example').find('[data-testid="user-job-title"]').exists()).toBe(false);
  });

  it('shows in the user detail panel', async () => {
    app = await mountApp(api(), '/users?user=u-ada');
    await waitFor(() => expect(inPanel('user-panel-email')).not.toBeNull());
    expect(inPanel('user-panel-job-title')!.textContent).toBe('Service Desk Lead');
  });

  it('is sent by the invite dialog when given, and a refusal names the field', async () => {
    let answer: 'ok' | 'too-long' = 'too-long';
    const fake = api(() =>
      answer === 'too-long'
        ? graphQLError('BAD_USER_INPUT', 'The job title is too long (121 characters; at most 120 are allowed).', {
            field: 'input.jobTitle',
          })
        : { data: { inviteUsers: { __typename: 'InviteUsersPayload', invitedCount: 0, results: [] } } },
    );
    app = await mountApp(fake, '/users');
    await buttonIn(app.wrapper, 'Invite users').trigger('click');
    await settle();
    await fieldIn(dialog(), 'Email addresses').setValue('cy@contoso.example');
    await fieldIn(dialog(), 'Job title').setValue('  Dispatcher  ');
    await dialog().get('form').trigger('submit');
    await settle();

    expect(fake.lastCall('InviteUsers')!.variables.input).toMatchObject({
      addresses: 'cy@contoso.example',
      jobTitle: 'Dispatcher',
    });
    expect(dialog().get('[data-testid="invite-error"]').text()).toContain('The job title is too long');
    expect(fieldIn(dialog(), 'Job title').attributes('aria-invalid')).toBe('true');

    answer = 'ok';
    await fieldIn(dialog(), 'Job title').setValue('');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('InviteUsers')!.variables.input).not.toHaveProperty('jobTitle');
  });
});
