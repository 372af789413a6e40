import { ExpiredInvitationUsersDocument, ReinviteUsersDocument } from '@roster/schema/generated';
import { ref } from 'vue';
import { describeError } from '../../client/errors';
import { useApolloClient, useMutation } from '../../client/graphql';
import type { useToasts } from '../../ui/toasts';

/** As many as one re-invite accepts. */
const BATCH = 500;

/**
 * "Re-invite all expired": every pending user whose link expired gets a new link and email, a batch at a time
 * (each batch is re-read, since those re-invited are no longer expired). The server's per-user rules still hold:
 * a user re-invited less than a minute ago is skipped with its reason, and the run stops when a batch moves
 * nobody, so it never loops on users it may not re-invite.
 */
export function useReinviteExpired(toasts: Pick<ReturnType<typeof useToasts>, 'show'>, afterAction: () => unknown) {
  const client = useApolloClient();
  const reinvite = useMutation(ReinviteUsersDocument);
  const running = ref(false);

  async function reinviteAllExpired(): Promise<void> {
    if (running.value) return;
    running.value = true;
    let done = 0;
    const skipped: string[] = [];
    const tried = new Set<string>();
    try {
      for (;;) {
        const { data } = await client.query({
          query: ExpiredInvitationUsersDocument,
          variables: { page: { first: BATCH } },
          fetchPolicy: 'network-only',
        });
        const ids = (data?.users.edges ?? []).map((edge) => edge.node.id).filter((id) => !tried.has(id));
        if (ids.length === 0) break;
        for (const id of ids) tried.add(id);
        const result = await reinvite.mutate({ input: { userIds: ids, sendEmail: true } });
        for (const row of result.reinviteUsers.results) {
          if (row.ok) done++;
          else skipped.push(row.message);
        }
      }
      if (done === 0 && skipped.length === 0) toasts.show('success', 'No invitation has expired.');
      else if (skipped.length === 0) toasts.show('success', `Re-invited ${done} users whose invitation had expired.`);
      else toasts.show('warning', `Re-invited ${done} users whose invitation had expired; ${skipped.length} skipped.`, skipped);
    } catch (error) {
      toasts.show('error', `Could not re-invite the expired invitations: ${describeError(error)}`);
    } finally {
      running.value = false;
      await afterAction();
    }
  }

  return { reinviteAllExpired, reinvitingExpired: running };
}
