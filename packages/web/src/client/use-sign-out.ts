import { SignOutDocument } from '@roster/schema/generated';
import { ref } from 'vue';
import { useRouter } from 'vue-router';
import { describeError, isUnauthenticated } from './errors';
import { useApolloClient, useMutation } from './graphql';
import { useSession } from './session';

export interface UseSignOutOptions {
  /** Stay on the current page (a public one, e.g. an invitation link) instead of showing the sign-in page. */
  stayOnPage?: boolean;
}

/** Ends the session on the server, forgets everything cached, and shows the sign-in page. */
export function useSignOut(options: UseSignOutOptions = {}) {
  const client = useApolloClient();
  const session = useSession();
  const router = useRouter();
  const { mutate, loading } = useMutation(SignOutDocument);
  const error = ref<string | null>(null);

  /** Resolves true once signed out; false when it failed (the reason is in `error`). */
  async function signOut(): Promise<boolean> {
    error.value = null;
    try {
      await mutate({}, { skipAuthRedirect: true });
    } catch (err) {
      // Already signed out on the server (expired session): the outcome the person wanted.
      if (!isUnauthenticated(err)) {
        error.value = `Could not sign out: ${describeError(err)}`;
        return false;
      }
    }
    session.clear();
    await client.clearStore();
    if (!options.stayOnPage) await router.push({ name: 'sign-in', query: { reason: 'signed-out' } });
    return true;
  }

  return { signOut, signingOut: loading, error };
}
