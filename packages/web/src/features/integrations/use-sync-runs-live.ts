import { SyncRunUpdatedDocument, type SyncRunFieldsFragment } from '@roster/schema/generated';
import { onScopeDispose, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { useApolloClient } from '../../client/graphql';

/** After the subscription itself fails (graphql-ws already retries a dropped socket), subscribe again after this. */
export const RESUBSCRIBE_MS = 10_000;

/**
 * Follows the account's sync runs live through `syncRunUpdated`. Each event carries the run's fields, so Apollo's
 * cache rewrites every row showing that run without a request; `onRun` is told about each one so the page can
 * refetch what the cache cannot place alone (a new run in the history, an integration's status after a run).
 */
export function useSyncRunsLive(enabled: MaybeRefOrGetter<boolean>, onRun: (run: SyncRunFieldsFragment) => void) {
  const client = useApolloClient();
  let subscription: { unsubscribe(): void } | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  function stop() {
    subscription?.unsubscribe();
    subscription = undefined;
    clearTimeout(retry);
    retry = undefined;
  }

  function start() {
    stop();
    subscription = client.subscribe({ query: SyncRunUpdatedDocument }).subscribe({
      next(result) {
        const run = result.data?.syncRunUpdated;
        if (run) onRun(run);
      },
      error() {
        subscription = undefined;
        retry = setTimeout(start, RESUBSCRIBE_MS);
      },
    });
  }

  watch(
    () => toValue(enabled),
    (on) => (on ? start() : stop()),
    { immediate: true },
  );
  onScopeDispose(stop);
}
