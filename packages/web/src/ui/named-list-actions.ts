import { computed, ref, shallowRef } from 'vue';
import { useToasts } from './toasts';
import type { NameDialogValues } from './NameDialog.vue';
import { describeError, errorCode } from '../client/errors';
import type { NamedList } from '../client/named-list';

export interface NamedListActionsOptions<TNode> {
  /** "company", "group": in toasts ("Could not delete the company"). */
  singular: string;
  nameOf: (row: TNode) => string;
  /** Each resolves with the saved row's name, or rejects with the API's error. */
  create: (values: NameDialogValues) => Promise<string>;
  update: (row: TNode, values: NameDialogValues) => Promise<string>;
  remove: (row: TNode) => Promise<unknown>;
}

/**
 * The create / edit / delete flow of a NamedListPage: which dialog is open, the mutation calls, a toast
 * for each result, and the list read again after each change (a new or renamed row may move in the order by name).
 */
export function useNamedListActions<TNode extends { id: string }>(list: NamedList<TNode>, options: NamedListActionsOptions<TNode>) {
  const { toasts, show, dismiss } = useToasts();

  /** The name dialog: `row` null creates, a row edits it. */
  const editing = shallowRef<{ row: TNode | null } | null>(null);
  const deleting = shallowRef<TNode | null>(null);
  const deleteBusy = ref(false);
  const deleteError = ref<string | null>(null);
  const modalOpen = computed(() => editing.value !== null || deleting.value !== null);

  async function reload() {
    await list.refetch();
    // The last row of a later page was deleted: go back to the first page rather than show an empty one.
    if (list.rows.value.length === 0 && list.connection.value?.pageInfo.hasPreviousPage) list.pager.reset();
  }

  function openCreate() {
    editing.value = { row: null };
  }
  function openEdit(row: TNode) {
    editing.value = { row };
  }
  function closeEditor() {
    editing.value = null;
  }

  /** Given to NameDialog as `save`: rejects on failure so the dialog shows the reason next to the field. */
  async function save(values: NameDialogValues) {
    const row = editing.value?.row ?? null;
    if (row) {
      const before = options.nameOf(row);
      const name = await options.update(row, values);
      show('success', name === before ? `Saved ${name}.` : `Renamed ${before} to ${name}.`);
      editing.value = null;
      // The cache already shows the new name; the list is read again for its order by name.
      await reload();
    } else {
      const name = await options.create(values);
      show('success', `Created ${name}.`);
      editing.value = null;
      await reload();
    }
  }

  function openDelete(row: TNode) {
    deleteError.value = null;
    deleting.value = row;
  }
  function cancelDelete() {
    if (!deleteBusy.value) deleting.value = null;
  }
  async function confirmDelete() {
    const row = deleting.value;
    if (!row || deleteBusy.value) return;
    deleteBusy.value = true;
    deleteError.value = null;
    try {
      await options.remove(row);
      show('success', `Deleted ${options.nameOf(row)}.`);
      deleting.value = null;
      await reload();
    } catch (error) {
      if (errorCode(error) === 'NOT_FOUND') {
        // Someone else deleted it first: the outcome is the one asked for.
        show('warning', `${options.nameOf(row)} was already deleted.`);
        deleting.value = null;
        await reload();
      } else {
        deleteError.value = `Could not delete the ${options.singular}: ${describeError(error)}`;
      }
    } finally {
      deleteBusy.value = false;
    }
  }

  return {
    toasts,
    dismissToast: dismiss,
    editing,
    deleting,
    deleteBusy,
    deleteError,
    modalOpen,
    openCreate,
    openEdit,
    closeEditor,
    save,
    openDelete,
    cancelDelete,
    confirmDelete,
  };
}
