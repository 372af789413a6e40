import {
  ChangeUserRoleDocument,
  RestoreUsersDocument,
  ResetUserMfaDocument,
  RetryInvitationEmailsDocument,
  SuspendUsersDocument,
} from '@roster/schema/generated';
import { describeError, findGraphQLError } from '../../client/errors';
import { useMutation } from '../../client/graphql';
import type { useToasts } from '../../ui/toasts';
import { useUserActionRunner, type ActionTarget } from './use-invitation-actions';

export type AssignableRole = 'OWNER' | 'ADMIN' | 'MEMBER';

/** Suspend, restore, change role and retry failed invitation emails, for one user or a selection, reported per user like re-invite. */
export function useUserAdminActions(toasts: Pick<ReturnType<typeof useToasts>, 'show'>, afterAction: () => unknown) {
  const suspendMutation = useMutation(SuspendUsersDocument);
  const restoreMutation = useMutation(RestoreUsersDocument);
  const roleMutation = useMutation(ChangeUserRoleDocument);
  const retryEmailMutation = useMutation(RetryInvitationEmailsDocument);
  const resetMfaMutation = useMutation(ResetUserMfaDocument);
  const { run, busyIds } = useUserActionRunner(toasts, afterAction);

  function suspend(users: ActionTarget[]) {
    return run('Suspended', 'Could not suspend', users, async (userIds) => {
      const data = await suspendMutation.mutate({ input: { userIds } });
      return data.suspendUsers.results;
    });
  }

  function restore(users: ActionTarget[]) {
    return run('Restored', 'Could not restore', users, async (userIds) => {
      const data = await restoreMutation.mutate({ input: { userIds } });
      return data.restoreUsers.results;
    });
  }

  function changeRole(users: ActionTarget[], role: AssignableRole) {
    return run('Changed the role of', 'Could not change the role', users, async (userIds) => {
      const data = await roleMutation.mutate({ input: { userIds, role } });
      return data.changeUserRole.results;
    });
  }

  /** The same email and link again: the invitee never received them. */
  function retryEmail(users: ActionTarget[]) {
    return run('Queued the invitation email again for', 'Could not retry the email', users, async (userIds) => {
      const data = await retryEmailMutation.mutate({ input: { userIds } });
      return data.retryInvitationEmails.results;
    });
  }

  /** Removes a user's second factors and ends their sessions (one at a time: it is about one lost phone). */
  async function resetMfa(users: ActionTarget[]) {
    for (const user of users) {
      try {
        await resetMfaMutation.mutate({ input: { userId: user.id } });
        toasts.show(
          'success',
          `Reset the multi-factor authentication of ${user.email}: they sign in with their password and set it up again.`,
        );
      } catch (error) {
        toasts.show(
          'error',
          `Could not reset the MFA of ${user.email}: ${findGraphQLError(error, 'FORBIDDEN')?.message ?? describeError(error)}`,
        );
      }
    }
    await afterAction();
  }

  return {
    resetMfa,
    resettingMfa: resetMfaMutation.loading,
    suspend,
    restore,
    changeRole,
    retryEmail,
    busyIds,
    suspending: suspendMutation.loading,
    restoring: restoreMutation.loading,
    changingRole: roleMutation.loading,
    retryingEmail: retryEmailMutation.loading,
  };
}
