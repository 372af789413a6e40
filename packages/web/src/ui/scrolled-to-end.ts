/** The list is scrolled to (within 40 px of) its end: time for a picker to read its next page of names. */
export function scrolledToEnd(list: HTMLElement | null): boolean {
  return !!list && list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
}
