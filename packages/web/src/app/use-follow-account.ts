import { MeDocument } from '@roster/schema/generated';
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { useRoute } from 'vue-router';
import { followedNotice, sectionRoot, useAccountSync, type AccountSwitchMessage } from '../client/account-sync';
import { useApolloClient } from '../client/graphql';
import { useSession } from '../client/session';

/**
 * Keeps this tab in the session's account (start it once, in the layout). Another tab that switches says so
 * at once; a tab coming back into view also asks the server, in case the switch was not announced (another
 * window, storage disabled). Either way this tab forgets its cache and reloads into the new account, then
 * says why: "You switched to X in another tab".
 */
export function useFollowAccount() {
  const session = useSession();
  const client = useApolloClient();
  const sync = useAccountSync();
  const route = useRoute();
  /** The account this tab followed into, shown once after the reload it caused. */
  const followed = ref<string | null>(followedNotice.take());
  let following = false;

  async function follow(message: Pick<AccountSwitchMessage, 'accountId' | 'accountName'> & { personId?: string }) {
    const viewer = session.viewer.value;
    if (!viewer || following) return;
    const samePerson = !message.personId || message.personId === viewer.person.id;
    if (samePerson && message.accountId === viewer.currentAccount.id) return;
    following = true;
    followedNotice.set(message.accountName);
    await client.clearStore();
    sync.reloadAt(sectionRoot(route.path));
  }

  async function checkWithServer() {
    if (document.visibilityState !== 'visible' || !session.viewer.value) return;
    try {
      const { data } = await client.query({ query: MeDocument, fetchPolicy: 'network-only', context: { skipAuthRedirect: true } });
      if (data)
        await follow({ personId: data.me.person.id, accountId: data.me.currentAccount.id, accountName: data.me.currentAccount.name });
    } catch {
      /* signed out or offline: the pages' own requests say so */
    }
  }

  let stopListening: (() => void) | undefined;
  onMounted(() => {
    stopListening = sync.listen((message) => void follow(message));
    document.addEventListener('visibilitychange', checkWithServer);
  });
  onBeforeUnmount(() => {
    stopListening?.();
    document.removeEventListener('visibilitychange', checkWithServer);
  });

  return { followed, dismiss: () => (followed.value = null) };
}
