import { ImportJobProgressDocument, ImportJobUpdatedDocument } from '@roster/schema/generated';
import { onScopeDispose, watch } from 'vue';
import { useApolloClient } from '../../client/graphql';

export const POLL_INTERVAL_MS = 2000;

/**
 * Keeps a running import's progress live: the `importJobUpdated` subscription (over the client's
 * graphql-ws link) writes each event into the cache, so every query showing the job follows it.
 * When the subscription fails, ends early, or stays silent for a poll interval, `importJob` is polled
 * every 2 s instead, until the job stops running.
 */
export function useImportJobLive(jobIdWhileRunning: () => string | null | undefined, pollMs = POLL_INTERVAL_MS) {
  const client = useApolloClient();
  let subscription: { unsubscribe(): void } | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastEventAt = 0;
  let subscriptionDown = false;
  let polling = false;

  function stop() {
    subscription?.unsubscribe();
    subscription = undefined;
    clearInterval(timer);
    timer = undefined;
  }

  async function poll(id: string) {
    if (polling) return;
    polling = true;
    try {
      await client.query({ query: ImportJobProgressDocument, variables: { id }, fetchPolicy: 'network-only' });
    } catch {
      /* the next tick tries again */
    } finally {
      polling = false;
    }
  }

  function start(id: string) {
    stop();
    subscriptionDown = false;
    lastEventAt = Date.now();
    subscription = client.subscribe({ query: ImportJobUpdatedDocument, variables: { id } }).subscribe({
      next(result) {
        if (result.error) subscriptionDown = true;
        else lastEventAt = Date.now();
      },
      error() {
        subscriptionDown = true;
      },
      complete() {
        // The server ends it when the job finishes; if the page still thinks it runs, polling finds out.
        subscriptionDown = true;
      },
    });
    timer = setInterval(() => {
      if (subscriptionDown || Date.now() - lastEventAt >= pollMs) void poll(id);
    }, pollMs);
  }

  watch(
    jobIdWhileRunning,
    (id) => {
      if (id) start(id);
      else stop();
    },
    { immediate: true },
  );
  onScopeDispose(stop);
}
