import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { useCombobox, type ComboboxOptions } from './combobox';

const NAMES = ['Alpha', 'Bravo', 'Charlie', 'Delta'];

let wrapper: ReturnType<typeof mount> | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

/** A bare text box and list wired by useCombobox, inside a dialog that counts the Escapes reaching it. */
function mountCombobox(options: Partial<ComboboxOptions<string>> = {}) {
  const chosen: string[] = [];
  const typed = ref('');
  let pagesAsked = 0;
  let escapesReachingDialog = 0;
  const Host = defineComponent({
    setup() {
      const combobox = useCombobox({
        items: () => NAMES,
        choose: (name) => chosen.push(name),
        loadMore: () => pagesAsked++,
        clearTyped: () => {
          if (!typed.value) return false;
          typed.value = '';
          return true;
        },
        ...options,
      });
      return () =>
        h('div', { role: 'dialog', onKeydown: (e: KeyboardEvent) => e.key === 'Escape' && escapesReachingDialog++ }, [
          h('input', {
            ...combobox.inputAttributes.value,
            value: typed.value,
            onInput: (e: Event) => {
              typed.value = (e.target as HTMLInputElement).value;
              combobox.openList(0);
            },
            onKeydown: combobox.onKeydown,
          }),
          h(
            'ul',
            { id: combobox.listId, role: 'listbox', hidden: !combobox.open.value },
            NAMES.map((name, index) => h('li', { id: combobox.optionId(index), role: 'option' }, name)),
          ),
        ]);
    },
  });
  wrapper = mount(Host, { attachTo: document.body });
  return { chosen, typed, pagesAsked: () => pagesAsked, escapesReachingDialog: () => escapesReachingDialog };
}

const box = () => wrapper!.get<HTMLInputElement>('input[role="combobox"]');
const expanded = () => box().attributes('aria-expanded');
const highlighted = () => {
  const id = box().attributes('aria-activedescendant');
  return id === undefined ? undefined : wrapper!.get(`#${id}`).text();
};
/** Presses a key in the text box; the event tells whether the picker kept its default (a form submit, say). */
async function press(key: string) {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
  box().element.dispatchEvent(event);
  await nextTick();
  return event;
}

describe('the combobox keyboard', () => {
  it('ties the text box to the list it controls', () => {
    mountCombobox({ inputId: () => 'pick' });
    expect(box().attributes('id')).toBe('pick');
    expect(box().attributes('aria-controls')).toBe(wrapper!.get('[role="listbox"]').attributes('id'));
    expect(expanded()).toBe('false');
    expect(box().attributes('aria-activedescendant')).toBeUndefined();
  });

  it('opens with ↓ on the first option, moves with the arrows, stops at the ends, and jumps with Home and End', async () => {
    const { pagesAsked } = mountCombobox();
    await press('ArrowDown');
    expect(expanded()).toBe('true');
    expect(highlighted()).toBe('Alpha');
    await press('ArrowUp');
    expect(highlighted()).toBe('Alpha');
    await press('ArrowDown');
    await press('ArrowDown');
    expect(highlighted()).toBe('Charlie');
    expect(pagesAsked()).toBe(0);
    await press('End');
    expect(highlighted()).toBe('Delta');
    // The last loaded option is highlighted: the next page is read.
    expect(pagesAsked()).toBe(1);
    await press('ArrowDown');
    expect(highlighted()).toBe('Delta');
    await press('Home');
    expect(highlighted()).toBe('Alpha');
  });

  it('opens where it is told, and wraps around the ends when asked to', async () => {
    mountCombobox({ openAt: (key) => (key === 'ArrowUp' ? NAMES.length - 1 : 0), wrap: true });
    await press('ArrowUp');
    expect(highlighted()).toBe('Delta');
    await press('ArrowDown');
    expect(highlighted()).toBe('Alpha');
    await press('ArrowUp');
    expect(highlighted()).toBe('Delta');
  });

  it('chooses the highlighted option with Enter instead of submitting the form, and leaves Enter alone while closed', async () => {
    const { chosen } = mountCombobox();
    expect((await press('Enter')).defaultPrevented).toBe(false);
    expect(chosen).toEqual([]);
    await press('ArrowDown');
    await press('ArrowDown');
    expect((await press('Enter')).defaultPrevented).toBe(true);
    expect(chosen).toEqual(['Bravo']);
  });

  it('opens on typing with the first option highlighted', async () => {
    mountCombobox();
    await box().setValue('b');
    expect(expanded()).toBe('true');
    expect(highlighted()).toBe('Alpha');
  });

  it('closes with Escape, clears the typed text with a second, and only then lets Escape reach the dialog', async () => {
    const { typed, escapesReachingDialog } = mountCombobox();
    await box().setValue('br');
    await press('Escape');
    expect(expanded()).toBe('false');
    expect(box().attributes('aria-activedescendant')).toBeUndefined();
    expect(typed.value).toBe('br');
    expect(escapesReachingDialog()).toBe(0);
    await press('Escape');
    expect(typed.value).toBe('');
    expect(escapesReachingDialog()).toBe(0);
    await press('Escape');
    expect(escapesReachingDialog()).toBe(1);
  });

  it('closes when Tab leaves', async () => {
    mountCombobox();
    await press('ArrowDown');
    await press('Tab');
    expect(expanded()).toBe('false');
  });
});
