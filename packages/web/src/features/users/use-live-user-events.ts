import type { ApolloCache, Reference } from '@apollo/client';
import { UserEventsDocument } from '@roster/schema/generated';
import { onScopeDispose, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { useApolloClient, type ResultOf } from '../../client/graphql';
import { useLiveConnection } from '../../client/live-connection';

export type UserEvent = ResultOf<typeof UserEventsDocument>['userEvents'];

/** Events arriving within this long of each other (an import's burst) cause one refetch of the lists. */
export const REFETCH_DEBOUNCE_MS = 300;
/** ...but a long steady burst still refetches at least this often. */
export const REFETCH_MAX_WAIT_MS = 2000;
/** After the subscription itself fails (not the socket: graphql-ws retries that), subscribe again after this. */
export const RESUBSCRIBE_MS = 10_000;

/** The queries whose rows or counts change when users are added or removed. */
const LIST_QUERIES = new Set(['UsersPage', 'Companies', 'Groups']);
/** Events that add or remove users: the cache cannot place them in a list (order, filters, pages) alone. */
const LIST_CHANGING = new Set<string>(['INVITED', 'UNINVITED']);

/** Takes un-invited users out of every cached users list at once (the refetch that follows fixes the counts). */
export function removeUsersFromCache(cache: ApolloCache, userIds: readonly string[]): void {
  if (userIds.length === 0) return;
  const refs = new Set(userIds.map((id) => cache.identify({ __typename: 'User', id })).filter(Boolean));
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      users(existing, { readField }) {
        const connection = existing as { edges?: Array<{ node?: Reference }>; totalCount?: number } | undefined;
        if (!connection?.edges) return existing;
        const edges = connection.edges.filter((edge) => {
          const node = readField<Reference>('node', edge as unknown as Reference);
          return !(node && refs.has(node.__ref));
        });
        if (edges.length === connection.edges.length) return existing;
        const removed = connection.edges.length - edges.length;
        return {
          ...connection,
          edges,
          ...(typeof connection.totalCount === 'number' ? { totalCount: Math.max(0, connection.totalCount - removed) } : {}),
        };
      },
    },
  });
  for (const id of userIds) cache.evict({ id: cache.identify({ __typename: 'User', id }) });
  cache.gc();
}

export interface UseLiveUserEventsOptions {
  debounceMs?: number;
  maxWaitMs?: number;
}

/**
 * Keeps the dashboard live for a signed-in administrator (start it once, in the layout):
 * - subscribes to `userEvents`; each event's users carry the Users table's fields, so Apollo's cache rewrites every
 *   row showing them (accepted, re-invited, bounced, expired, role changed) without a request;
 * - INVITED / UNINVITED / `resync` change which rows exist: the active Users, Companies and Groups queries are
 *   refetched, debounced so an import's burst costs a few refetches; un-invited users leave the cache at once;
 * - after the WebSocket comes back from a drop, every active query is refetched (changes made meanwhile appear).
 * `enabled` false (a member, or signed out) means no subscription, hence no socket and no reconnect loop.
 */
export function useLiveUserEvents(enabled: MaybeRefOrGetter<boolean>, options: UseLiveUserEventsOptions = {}) {
  const client = useApolloClient();
  const live = useLiveConnection();
  const debounceMs = options.debounceMs ?? REFETCH_DEBOUNCE_MS;
  const maxWaitMs = options.maxWaitMs ?? REFETCH_MAX_WAIT_MS;

  let subscription: { unsubscribe(): void } | undefined;
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;
  let resubscribeTimer: ReturnType<typeof setTimeout> | undefined;
  let burstStartedAt = 0;

  function refetchLists() {
    refetchTimer = undefined;
    burstStartedAt = 0;
    void client
      .refetchQueries({
        include: 'active',
        onQueryUpdated: (query) => LIST_QUERIES.has(query.queryName ?? ''),
      })
      .catch(() => {
        /* each page shows its own error state */
      });
  }

  function scheduleRefetch() {
    const now = Date.now();
    if (!burstStartedAt) burstStartedAt = now;
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(refetchLists, Math.max(0, Math.min(debounceMs, burstStartedAt + maxWaitMs - now)));
  }

  function onEvent(event: UserEvent) {
    // The event's users are already in the cache (Apollo writes subscription results): status, badges, invitation.
    if (event.removedUserIds.length) removeUsersFromCache(client.cache, event.removedUserIds);
    if (event.resync || LIST_CHANGING.has(event.type) || event.removedUserIds.length) scheduleRefetch();
  }

  function start() {
    if (subscription) return;
    clearTimeout(resubscribeTimer);
    let current: { unsubscribe(): void } | undefined;
    current = client.subscribe({ query: UserEventsDocument }).subscribe({
      next(result) {
        if (result.data?.userEvents) onEvent(result.data.userEvents);
        // result.error: one event failed (UNAUTHENTICATED goes through the error link to sign-in); the stream goes on.
      },
      error: () => failed(),
      complete: () => failed(),
    });
    subscription = current;
    function failed() {
      if (!current || subscription !== current) return;
      subscription = undefined;
      // An ended session (4401/4403) leaves for sign-in; anything else (the server refused this once) tries later.
      if (toValue(enabled)) resubscribeTimer = setTimeout(() => toValue(enabled) && start(), RESUBSCRIBE_MS);
    }
  }

  function stop() {
    const current = subscription;
    subscription = undefined;
    current?.unsubscribe();
    clearTimeout(refetchTimer);
    clearTimeout(resubscribeTimer);
    refetchTimer = undefined;
    burstStartedAt = 0;
  }

  const offReconnected = live.onReconnected(() => {
    if (!subscription) return;
    void client.refetchQueries({ include: 'active' }).catch(() => {
      /* each page shows its own error state */
    });
  });

  watch(
    () => toValue(enabled),
    (on) => (on ? start() : stop()),
    { immediate: true },
  );

  onScopeDispose(() => {
    offReconnected();
    stop();
  });
}
