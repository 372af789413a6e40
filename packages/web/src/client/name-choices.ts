import {
  CompanyChoiceDocument,
  CompanyChoicesDocument,
  GroupChoiceDocument,
  GroupChoicesDocument,
  type PageArgs,
} from '@roster/schema/generated';
import type { ErrorLike, TypedDocumentNode } from '@apollo/client';
import {
  computed,
  onScopeDispose,
  reactive,
  ref,
  shallowRef,
  toValue,
  watch,
  type ComputedRef,
  type MaybeRefOrGetter,
  type Ref,
} from 'vue';
import { useApolloClient } from './graphql';

export interface NameChoice {
  id: string;
  name: string;
}

/**
 * The names a company or group picker offers: the account's companies (or groups) whose name starts with what is
 * typed, searched by the server through its name index 250 ms after typing pauses, a page at a time (`loadMore` reads
 * the next). An MSP with 3,000 client companies finds the 3,001st by typing its start, and scrolls on through the rest.
 */
export interface NameChoices {
  /** What is typed into the picker; the search follows it after a pause. */
  text: Ref<string>;
  /** The names loaded for the search in effect, in name order. */
  options: ComputedRef<NameChoice[]>;
  /** The search in effect (what the options match), trimmed. */
  search: Ref<string>;
  loading: Ref<boolean>;
  /** The server has not answered what is typed yet (a page is being read, or the typing pause has not ended). */
  waiting: ComputedRef<boolean>;
  error: Ref<ErrorLike | undefined>;
  /** More names match than are loaded. */
  hasMore: Ref<boolean>;
  /** Reads the next page of the search (nothing when one is being read or none is left). */
  loadMore: () => void;
  /** The name of an id seen in any answer so far, or read on purpose with `lookUp`. */
  nameOf: (id: string) => string | undefined;
  /** Reads the name of one id (a filter read from the address) unless it is already known. */
  lookUp: (id: string) => void;
  /** `lookUp` found no such company or group (deleted, or never this account's). */
  isMissing: (id: string) => boolean;
}

export interface NameChoicesOptions {
  /** While false nothing is read (a dialog showing another kind of picker). */
  enabled?: MaybeRefOrGetter<boolean>;
  pageSize?: number;
  debounceMs?: number;
}

interface ChoicesPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: ReadonlyArray<{ node: NameChoice }>;
}

/** Typing pauses this long before the server is asked (the Users page's search waits as long). */
export const CHOICES_DEBOUNCE_MS = 250;

export function useCompanyChoices(options: NameChoicesOptions = {}): NameChoices {
  return useNameChoices(
    CompanyChoicesDocument,
    (data) => data.companies,
    CompanyChoiceDocument,
    (data) => data.company,
    options,
  );
}

export function useGroupChoices(options: NameChoicesOptions = {}): NameChoices {
  return useNameChoices(
    GroupChoicesDocument,
    (data) => data.groups,
    GroupChoiceDocument,
    (data) => data.group,
    options,
  );
}

function useNameChoices<TData, TOne>(
  document: TypedDocumentNode<TData, { page?: PageArgs | null; search?: string | null }>,
  select: (data: TData) => ChoicesPage,
  oneDocument: TypedDocumentNode<TOne, { id: string }>,
  selectOne: (data: TOne) => NameChoice,
  { enabled = true, pageSize = 25, debounceMs = CHOICES_DEBOUNCE_MS }: NameChoicesOptions,
): NameChoices {
  const client = useApolloClient();
  const text = ref('');
  const search = ref('');
  const items = shallowRef<NameChoice[]>([]);
  const loading = ref(false);
  const error = shallowRef<ErrorLike | undefined>();
  const hasMore = ref(false);
  const known = reactive(new Map<string, string>());
  const missing = reactive(new Set<string>());
  let cursor: string | null = null;
  /** Each new search starts a generation: an answer of an older one is dropped. */
  let generation = 0;
  let started = false;

  async function read(fromStart: boolean) {
    const mine = fromStart ? ++generation : generation;
    loading.value = true;
    try {
      const page: PageArgs = fromStart || !cursor ? { first: pageSize } : { first: pageSize, after: cursor };
      const { data } = await client.query({
        query: document,
        variables: { page, search: search.value || null },
        fetchPolicy: 'network-only',
      });
      if (mine !== generation || !data) return;
      const connection = select(data as TData);
      const nodes = connection.edges.map((edge) => edge.node);
      for (const node of nodes) known.set(node.id, node.name);
      items.value = fromStart ? nodes : [...items.value, ...nodes];
      cursor = connection.pageInfo.endCursor;
      hasMore.value = connection.pageInfo.hasNextPage;
      error.value = undefined;
    } catch (caught) {
      if (mine === generation) error.value = caught as ErrorLike;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  const isEnabled = () => toValue(enabled);
  const start = () => {
    if (started || !isEnabled()) return;
    started = true;
    void read(true);
  };
  start();
  watch(isEnabled, start);

  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(text, (typed) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const next = typed.trim();
      if (next === search.value) return;
      search.value = next;
      if (started) void read(true);
    }, debounceMs);
  });
  onScopeDispose(() => clearTimeout(timer));

  function loadMore() {
    if (!started || loading.value || !hasMore.value) return;
    void read(false);
  }

  const lookingUp = new Set<string>();
  function lookUp(id: string) {
    if (!id || known.has(id) || lookingUp.has(id)) return;
    lookingUp.add(id);
    client
      .query({ query: oneDocument, variables: { id }, fetchPolicy: 'cache-first' })
      .then(({ data }) => {
        const one = data ? selectOne(data as TOne) : null;
        if (one) known.set(one.id, one.name);
        else missing.add(id);
      })
      .catch(() => missing.add(id)) // deleted, or another account's (NOT_FOUND): the picker says so
      .finally(() => lookingUp.delete(id));
  }

  return {
    text,
    search,
    options: computed(() => items.value),
    loading,
    waiting: computed(() => loading.value || text.value.trim() !== search.value),
    error,
    hasMore,
    loadMore,
    nameOf: (id) => known.get(id),
    lookUp,
    isMissing: (id) => missing.has(id),
  };
}
