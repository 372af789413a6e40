import type { ErrorLike, TypedDocumentNode } from '@apollo/client';
import type { PageArgs } from '@roster/schema/generated';
import { computed, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import { useQuery } from './graphql';
import { useCursorPager } from './pagination';

/** The connection shape of the simple lists (companies, groups). */
export interface NamedConnection<TNode> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: ReadonlyArray<{ node: TNode }>;
}

export interface NamedList<TNode> {
  pager: ReturnType<typeof useCursorPager>;
  connection: ComputedRef<NamedConnection<TNode> | undefined>;
  rows: ComputedRef<TNode[]>;
  loading: Ref<boolean>;
  error: ShallowRef<ErrorLike | undefined>;
  refetch: () => Promise<void>;
}

/**
 * A paged list read with `document` (variables `{ page }`), 25 rows a page with Previous/Next:
 * what NamedListPage shows for companies and groups.
 */
export function useNamedList<TData, TVariables extends { page?: PageArgs | null }, TNode>(
  document: TypedDocumentNode<TData, TVariables>,
  select: (data: TData) => NamedConnection<TNode>,
  pageSize = 25,
): NamedList<TNode> {
  const pager = useCursorPager(pageSize);
  const { result, loading, error, refetch } = useQuery(document, () => ({ page: pager.page.value }) as TVariables);
  const connection = computed(() => (result.value ? select(result.value) : undefined));
  const rows = computed(() => connection.value?.edges.map((edge) => edge.node) ?? []);
  return { pager, connection, rows, loading, error, refetch: () => refetch() };
}
