import { ReinviteUsersDocument, UninviteUsersDocument } from '@roster/schema/generated';
import { ref } from 'vue';
import { describeError } from '../../client/errors';
import { useMutation, type ResultOf } from '../../client/graphql';
import type { useToasts } from '../../ui/toasts';

export type UserActionResult = ResultOf<typeof ReinviteUsersDocument>['reinviteUsers']['results'][number];

export interface ActionTarget {
  id: string;
  email: string;
}

type Toasts = Pick<ReturnType<typeof useToasts>, 'show'>;

/**
 * Runs a per-user action (re-invite, suspend, change role...) for one user or a selection: marks the users
 * busy, turns the per-user results into a toast (the server's own sentence for each user, e.g.
 * REINVITE_THROTTLED's "try again in 40 seconds"), then lets the page refetch its list.
 */
export function useUserActionRunner(toasts: Toasts, afterAction: () => unknown) {
  /** Ids of the users an action is running for (to show progress on their buttons). */
  const busyIds = ref<Set<string>>(new Set());

  function markBusy(ids: string[], on: boolean) {
    const next = new Set(busyIds.value);
    for (const id of ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    busyIds.value = next;
  }

  function report(verb: string, results: UserActionResult[]) {
    const done = results.filter((r) => r.ok).length;
    const tone = done === results.length ? 'success' : 'warning';
    if (results.length === 1) {
      toasts.show(tone, results[0]!.message);
      return;
    }
    const title = done === results.length ? `${verb} ${done} users.` : `${verb} ${done} of ${results.length} users.`;
    toasts.show(
      tone,
      title,
      results.map((r) => r.message),
    );
  }

  async function run(
    verb: string,
    failure: string,
    users: ActionTarget[],
    call: (ids: string[]) => Promise<UserActionResult[]>,
  ): Promise<UserActionResult[] | null> {
    const ids = users.map((u) => u.id);
    if (ids.length === 0) return null;
    markBusy(ids, true);
    try {
      const results = await call(ids);
      report(verb, results);
      await afterAction();
      return results;
    } catch (error) {
      toasts.show('error', `${failure}: ${describeError(error)}`);
      return null;
    } finally {
      markBusy(ids, false);
    }
  }

  return { run, busyIds };
}

/** Re-invite and un-invite, for one user or a selection, reported per user. */
export function useInvitationActions(toasts: Toasts, afterAction: () => unknown) {
  const reinviteMutation = useMutation(ReinviteUsersDocument);
  const uninviteMutation = useMutation(UninviteUsersDocument);
  const { run, busyIds } = useUserActionRunner(toasts, afterAction);

  function reinvite(users: ActionTarget[], sendEmail = true) {
    return run('Re-invited', 'Could not re-invite', users, async (userIds) => {
      const data = await reinviteMutation.mutate({ input: { userIds, sendEmail } });
      return data.reinviteUsers.results;
    });
  }

  function uninvite(users: ActionTarget[]) {
    return run('Un-invited', 'Could not un-invite', users, async (userIds) => {
      const data = await uninviteMutation.mutate({ input: { userIds } });
      return data.uninviteUsers.results;
    });
  }

  return {
    reinvite,
    uninvite,
    busyIds,
    reinviting: reinviteMutation.loading,
    uninviting: uninviteMutation.loading,
  };
}
