import { computed, ref } from 'vue';

interface PageInfoLike {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor?: string | null;
  endCursor?: string | null;
}

/** Local cursor pagination (first/after forward, last/before back) for small lists. */
export function useCursorPager(initialSize = 25) {
  const pageSize = ref(initialSize);
  const cursor = ref<{ after?: string; before?: string }>({});
  const start = ref(1);

  const page = computed(() =>
    cursor.value.before
      ? { last: pageSize.value, before: cursor.value.before }
      : cursor.value.after
        ? { first: pageSize.value, after: cursor.value.after }
        : { first: pageSize.value },
  );

  function reset() {
    start.value = 1;
    cursor.value = {};
  }

  return {
    page,
    pageSize,
    firstRow(info: PageInfoLike | undefined) {
      return info?.hasPreviousPage ? start.value : 1;
    },
    next(info: PageInfoLike, rowsOnPage: number) {
      if (!info.hasNextPage || !info.endCursor) return;
      start.value += rowsOnPage;
      cursor.value = { after: info.endCursor };
    },
    previous(info: PageInfoLike) {
      if (!info.hasPreviousPage || !info.startCursor) return;
      start.value = Math.max(1, start.value - pageSize.value);
      cursor.value = { before: info.startCursor };
    },
    setPageSize(size: number) {
      pageSize.value = size;
      reset();
    },
    reset,
  };
}

/**
 * The API counts the lists that grow without bound (the audit log, webhook deliveries, an import's rows, a sync run's
 * items, companies, groups) up to this many; a larger totalCount (10,001) means "more than 10,000".
 */
export const LIST_COUNT_CAP = 10_000;

/**
 * The API counts a figure shown on every row (a company's or a group's users, `userCount`) up to this many: 1,001
 * means "more than 1,000".
 */
export const ROW_COUNT_CAP = 1_000;

/** A capped row figure as a person reads it: "1,000", or "more than 1,000" when the API stopped counting. */
export function cappedCountText(n: number, cap = ROW_COUNT_CAP): string {
  return n > cap ? `more than ${cap.toLocaleString('en-US')}` : n.toLocaleString('en-US');
}
