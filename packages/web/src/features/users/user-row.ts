import type { UsersPageDocument } from '@roster/schema/generated';
import type { ResultOf } from '../../client/graphql';
import type { ActionTarget } from './use-invitation-actions';
import type { UserPanelAction } from './UserDetailPanel.vue';
import { invitationEmailFailed, ROLE_LABELS, SOURCE_LABELS, STATUS_LABELS } from './user-labels';
import type { RowAction } from './RowActionsMenu.vue';

/** One row of the Users table, as the Users page query returns it. */
export type UserNode = ResultOf<typeof UsersPageDocument>['users']['edges'][number]['node'];

/** Everything a row, the bulk bar or the detail panel can ask the page to do for some users. */
export type UserAction = UserPanelAction | 'remove-from-group';

export const targetOf = (user: Pick<UserNode, 'id' | 'email'>): ActionTarget => ({ id: user.id, email: user.email });
export const targets = (users: UserNode[]): ActionTarget[] => users.map(targetOf);

export const sourceOf = (user: UserNode) => SOURCE_LABELS[user.source as string];
export const roleLabel = (user: UserNode) => ROLE_LABELS[user.role as string] ?? String(user.role);
export const isSuspended = (user: UserNode) => (user.status as string) === 'SUSPENDED';
/** Brought in by an integration that stages new users: an admin invites or dismisses them. */
export const isStaged = (user: UserNode) => (user.status as string) === 'STAGED';
/** Owners are not suspendable (the server says so too); change their role first. */
export const canSuspend = (user: UserNode) => !isSuspended(user) && (user.role as string) !== 'OWNER';
/** The role's own word, unless the green Administrator badge already says it. */
export const showRoleText = (user: UserNode) => !(user.isAdministrator && (user.role as string) === 'ADMIN');
/** "Invited" is implied by the amber badge; "Suspended" and "Awaiting review" have their own badges. */
export const statusText = (user: UserNode) => {
  if (isSuspended(user) || isStaged(user)) return '';
  if (user.invitationPending && (user.status as string) === 'INVITED') return '';
  return STATUS_LABELS[user.status as string] ?? String(user.status);
};
export const groupNames = (user: UserNode) => user.groups.map((g) => g.name);

/** A row's "More actions" menu: retry a failed invitation email, change role for everyone, suspend for whoever can be. */
export function moreActions(user: UserNode): RowAction[] {
  const items: RowAction[] = [{ key: 'change-role', label: 'Change role…' }];
  if (invitationEmailFailed(user)) items.unshift({ key: 'retry-email', label: 'Retry email' });
  if (canSuspend(user)) items.push({ key: 'suspend', label: 'Suspend…', danger: true });
  return items;
}
