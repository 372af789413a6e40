import { computed, nextTick, ref, useId, watch, type InputHTMLAttributes } from 'vue';

export interface ComboboxOptions<TItem> {
  /** The options the list shows, in order. */
  items: () => readonly TItem[];
  /** Enter on the highlighted option. */
  choose: (item: TItem) => void;
  /** The text box's id given by the caller (for a <label for> outside); one is made up without it. */
  inputId?: () => string | undefined;
  disabled?: () => boolean;
  /** Reads the next page of options: called when the last loaded option is highlighted or scrolled to. */
  loadMore?: () => void;
  /** The option highlighted when the list opens by a click (no key) or an arrow key; the first by default. */
  openAt?: (key?: 'ArrowDown' | 'ArrowUp') => number;
  /** ↓ on the last option goes to the first and ↑ on the first to the last, instead of stopping. */
  wrap?: boolean;
  /** Whatever else closing the list resets (the typed text of a single-choice picker). */
  onClose?: () => void;
  /** Escape with the list closed: clears what is typed, saying whether there was any (that Escape is then not the dialog's). */
  clearTyped?: () => boolean;
}

/**
 * The WAI-ARIA combobox pattern with a listbox popup (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/) shared by
 * SearchSelect and MultiSelect: the open list, its highlighted option, the ids and attributes tying the text box to
 * the list, and the keys. Focus stays in the text box; aria-activedescendant points at the highlighted option.
 *
 * Keyboard: ↓/↑ open the list and move through it (reaching the last loaded option reads the next page), Home/End
 * jump; Enter chooses the highlighted option (never submitting the form while the list is open); Escape closes the
 * list, then clears what is typed, and only then is the dialog's; Tab closes the list and leaves.
 */
export function useCombobox<TItem>(options: ComboboxOptions<TItem>) {
  const { items, choose, disabled = () => false, openAt = () => 0, wrap = false } = options;

  const uid = useId();
  const inputId = computed(() => options.inputId?.() ?? `${uid}-input`);
  const listId = `${uid}-list`;
  const optionId = (index: number) => `${uid}-option-${index}`;

  const open = ref(false);
  /** The highlighted option's index; -1 while the list is closed or empty. */
  const active = ref(-1);

  watch(items, (list) => {
    if (active.value >= list.length) active.value = list.length - 1;
    if (open.value && active.value < 0 && list.length) active.value = 0;
  });

  /** The attributes of the text box that make it a combobox controlling the list. */
  const inputAttributes = computed<InputHTMLAttributes>(() => ({
    id: inputId.value,
    role: 'combobox',
    autocomplete: 'off',
    'aria-autocomplete': 'list',
    'aria-expanded': open.value,
    'aria-controls': listId,
    'aria-activedescendant': open.value && active.value >= 0 ? optionId(active.value) : undefined,
  }));

  function openList(at?: number, key?: 'ArrowDown' | 'ArrowUp') {
    if (disabled()) return;
    open.value = true;
    const count = items().length;
    const target = at ?? (active.value >= 0 ? active.value : openAt(key));
    active.value = count ? Math.max(0, Math.min(target, count - 1)) : -1;
    void scrollActiveIntoView();
  }

  function closeList() {
    open.value = false;
    active.value = -1;
    options.onClose?.();
  }

  function toggleList() {
    if (open.value) closeList();
    else openList();
  }

  /** Highlights the option at `index`, kept within the list. */
  function moveTo(index: number) {
    const count = items().length;
    if (!count) return;
    active.value = Math.max(0, Math.min(index, count - 1));
    void scrollActiveIntoView();
  }

  function step(by: 1 | -1) {
    const count = items().length;
    if (wrap && count) moveTo((active.value + by + count) % count);
    else moveTo(active.value + by);
  }

  async function scrollActiveIntoView() {
    if (active.value >= items().length - 1) options.loadMore?.();
    await nextTick();
    document.getElementById(optionId(active.value))?.scrollIntoView?.({ block: 'nearest' });
  }

  function onListScroll(event: Event) {
    if (options.loadMore && scrolledToEnd(event.currentTarget as HTMLElement | null)) options.loadMore();
  }

  function onKeydown(event: KeyboardEvent) {
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        event.preventDefault();
        if (!open.value) return openList(undefined, event.key);
        return step(event.key === 'ArrowDown' ? 1 : -1);
      case 'Home':
      case 'End':
        if (!open.value) return;
        event.preventDefault();
        return moveTo(event.key === 'Home' ? 0 : items().length - 1);
      case 'Enter': {
        if (!open.value) return; // a closed list lets Enter submit the form, as a text box does
        event.preventDefault();
        const item = items()[active.value];
        if (item !== undefined) choose(item);
        return;
      }
      case 'Escape':
        if (open.value) closeList();
        else if (!options.clearTyped?.()) return;
        // Only the list closes (or the text clears); the dialog around stays open.
        event.preventDefault();
        event.stopPropagation();
        return;
      case 'Tab':
        closeList();
        return;
    }
  }

  return {
    inputId,
    listId,
    optionId,
    open,
    active,
    inputAttributes,
    openList,
    closeList,
    toggleList,
    moveTo,
    onKeydown,
    onListScroll,
  };
}

/** The list is scrolled to (within 40 px of) its end: time for a picker to read its next page of names. */
function scrolledToEnd(list: HTMLElement | null): boolean {
  return !!list && list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
}
