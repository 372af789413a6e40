import { SignOutDocument } from '@roster/schema/generated';
import { ref } from 'vue';
import { useRouter } from 'vue-router';
import { describeError, isUnauthenticated } from '../../app/errors';
import { useApolloClient, useMutation } from '../../app/graphql';
import { useSession } from '../../app/session';

/** Ends the session on the server, forgets everything cached, and shows the sign-in page. */
export function useSignOut() {
  const client = useApolloClient();
  const session = useSession();
  const router = useRouter();
  const { mutate, loading } = useMutation(SignOutDocument);
  const error = ref<string | null>(null);

  async function signOut() {
    error.value = null;
    try {
      await mutate({}, { skipAuthRedirect: true });
    } catch (err) {
      // Already signed out on the server (expired session): the outcome the person wanted.
      if (!isUnauthenticated(err)) {
        error.value = `Could not sign out: ${describeError(err)}`;
        return;
      }
    }
    session.clear();
    await client.clearStore();
    await router.push({ name: 'sign-in', query: { reason: 'signed-out' } });
  }

  return { signOut, signingOut: loading, error };
}
