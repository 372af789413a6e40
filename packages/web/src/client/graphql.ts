import type { ApolloClient, ErrorLike, ObservableQuery, OperationVariables, TypedDocumentNode } from '@apollo/client';
import {
  getCurrentInstance,
  inject,
  onScopeDispose,
  ref,
  shallowRef,
  toValue,
  watch,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
} from 'vue';
import { ApolloClientKey, type RosterOperationContext } from './apollo';

/** The result type of a typed document (codegen's `XQuery`). */
export type ResultOf<T> = T extends TypedDocumentNode<infer R, any> ? R : never;
/** The variables type of a typed document (codegen's `XQueryVariables`). */
export type VariablesOf<T> = T extends TypedDocumentNode<any, infer V> ? V : never;

export function useApolloClient(): ApolloClient {
  const client = getCurrentInstance() ? inject(ApolloClientKey, null) : null;
  if (!client) throw new Error('No Apollo client: provide it with app.provide(ApolloClientKey, client).');
  return client;
}

export interface UseQueryOptions {
  fetchPolicy?: 'cache-first' | 'cache-and-network' | 'network-only' | 'no-cache' | 'cache-only';
  /** When it returns false the query does not run (and keeps its last result). */
  enabled?: MaybeRefOrGetter<boolean>;
  context?: RosterOperationContext;
}

export interface UseQueryReturn<TData, TVariables> {
  /** Data of the latest successful response; kept while a new page or filter is loading. */
  result: ShallowRef<TData | undefined>;
  loading: Ref<boolean>;
  error: ShallowRef<ErrorLike | undefined>;
  /** Runs the query again against the network; never throws (the error lands in `error`). */
  refetch: (variables?: Partial<TVariables>) => Promise<void>;
}

/**
 * A query that follows reactive variables: Apollo's watchQuery, exposed as Vue refs.
 * Stops watching when the calling component (or effect scope) goes away.
 */
export function useQuery<TData, TVariables extends OperationVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables?: MaybeRefOrGetter<TVariables>,
  options: UseQueryOptions = {},
): UseQueryReturn<TData, TVariables> {
  const client = useApolloClient();
  const result = shallowRef<TData | undefined>();
  const loading = ref(true);
  const error = shallowRef<ErrorLike | undefined>();

  const currentVariables = () => (toValue(variables) ?? {}) as TVariables;
  const enabled = () => (options.enabled === undefined ? true : toValue(options.enabled));

  let observable: ObservableQuery<TData, TVariables> | undefined;
  let subscription: { unsubscribe(): void } | undefined;

  function start(): ObservableQuery<TData, TVariables> {
    if (observable) return observable;
    loading.value = true;
    const query = client.watchQuery<TData, TVariables>({
      query: document,
      variables: currentVariables(),
      fetchPolicy: options.fetchPolicy ?? 'cache-and-network',
      notifyOnNetworkStatusChange: true,
      context: options.context,
    } as ApolloClient.WatchQueryOptions<TData, TVariables>);
    observable = query;
    subscription = query.subscribe({
      next(value) {
        loading.value = value.loading;
        error.value = value.error;
        if (value.dataState === 'complete') result.value = value.data as TData;
        else if (value.error && !value.loading) result.value = undefined;
      },
      error(err) {
        loading.value = false;
        error.value = err as ErrorLike;
      },
    });
    return query;
  }

  if (enabled()) start();
  else loading.value = false;

  watch(enabled, (on) => {
    if (on) start();
  });

  watch(
    () => JSON.stringify(currentVariables()),
    () => {
      if (!observable || !enabled()) return;
      error.value = undefined;
      observable.setVariables(currentVariables()).catch(() => {
        /* reported through the subscription */
      });
    },
  );

  const refetch = async (vars?: Partial<TVariables>) => {
    error.value = undefined;
    loading.value = true;
    const query = start();
    try {
      await query.refetch(vars);
    } catch {
      /* reported through the subscription */
    }
  };

  onScopeDispose(() => subscription?.unsubscribe());

  return { result, loading, error, refetch };
}

export interface UseMutationReturn<TData, TVariables> {
  /** Resolves with the data, or rejects with the error (which also lands in `error`). */
  mutate: (variables: TVariables, context?: RosterOperationContext) => Promise<TData>;
  loading: Ref<boolean>;
  error: ShallowRef<ErrorLike | undefined>;
  result: ShallowRef<TData | undefined>;
}

export function useMutation<TData, TVariables extends OperationVariables>(
  document: TypedDocumentNode<TData, TVariables>,
): UseMutationReturn<TData, TVariables> {
  const client = useApolloClient();
  const loading = ref(false);
  const error = shallowRef<ErrorLike | undefined>();
  const result = shallowRef<TData | undefined>();

  async function mutate(variables: TVariables, context?: RosterOperationContext): Promise<TData> {
    loading.value = true;
    error.value = undefined;
    try {
      const response = await client.mutate<TData, TVariables>({
        mutation: document,
        variables,
        context,
      } as ApolloClient.MutateOptions<TData, TVariables>);
      if (response.error) throw response.error;
      result.value = response.data as TData;
      return response.data as TData;
    } catch (err) {
      error.value = err as ErrorLike;
      throw err;
    } finally {
      loading.value = false;
    }
  }

  return { mutate, loading, error, result };
}
