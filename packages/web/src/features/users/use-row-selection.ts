import { computed, ref, watch, type Ref } from 'vue';

/**
 * The rows ticked on the current page (for the bulk bar). Whatever `scope` returns identifies the page:
 * when it changes (a new page, filter or sort), the selection starts again.
 */
export function useRowSelection<TRow extends { id: string }>(rows: Ref<TRow[]>, scope: () => unknown) {
  const selectedIds = ref<Set<string>>(new Set());
  watch(scope, () => (selectedIds.value = new Set()));

  const selectedRows = computed(() => rows.value.filter((row) => selectedIds.value.has(row.id)));
  const allSelected = computed(() => rows.value.length > 0 && selectedRows.value.length === rows.value.length);

  function toggleRow(row: TRow, on: boolean) {
    const next = new Set(selectedIds.value);
    if (on) next.add(row.id);
    else next.delete(row.id);
    selectedIds.value = next;
  }
  function toggleAll(on: boolean) {
    selectedIds.value = on ? new Set(rows.value.map((row) => row.id)) : new Set();
  }
  /** Drops rows an action is done with (e.g. re-invited together), keeping the rest ticked. */
  function forget(done: { id: string }[]) {
    const next = new Set(selectedIds.value);
    for (const row of done) next.delete(row.id);
    selectedIds.value = next;
  }

  return { selectedIds, selectedRows, allSelected, toggleRow, toggleAll, forget };
}
