import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { computed, defineComponent, h, reactive, ref, shallowRef } from 'vue';
import type { NameChoices } from '../client/name-choices';
import MultiSelect from './MultiSelect.vue';

const GROUPS = [
  { id: 'g1', label: 'Engineering' },
  { id: 'g2', label: 'Finance' },
  { id: 'g3', label: 'Field engineers' },
  { id: 'g4', label: 'A very long group name that does not fit in the chip and ends in an ellipsis with its full text in a title' },
];

/** A form around it, as in the invite dialog: to see that Enter picks without submitting, and the model. */
function mountPicker(initial: string[] = []) {
  const chosen = ref<string[]>(initial);
  const submitted = ref(0);
  const Host = defineComponent({
    setup: () => () =>
      h('form', { onSubmit: (e: Event) => (e.preventDefault(), submitted.value++) }, [
        h('label', { for: 'groups' }, 'Groups'),
        h(MultiSelect, {
          id: 'groups',
          label: 'Groups',
          noun: 'group',
          options: GROUPS,
          modelValue: chosen.value,
          'onUpdate:modelValue': (v: string[]) => (chosen.value = v),
        }),
      ]),
  });
  wrapper = mount(Host, { attachTo: document.body });
  return { chosen, submitted };
}

let wrapper: ReturnType<typeof mount> | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

const box = () => wrapper!.get<HTMLInputElement>('input[role="combobox"]');
const listbox = () => wrapper!.get('[role="listbox"]');
const options = () => wrapper!.findAll('[role="option"]');
const visibleLabels = () => options().map((o) => o.text().replace('✓', '').trim());
const chips = () => wrapper!.findAll('[data-testid="multi-select-chip"]').map((c) => c.text());
const key = (k: string, extra: Record<string, unknown> = {}) => box().trigger('keydown', { key: k, ...extra });
const isOpen = () => (listbox().element as HTMLElement).style.display !== 'none';

describe('the searchable multi-select', () => {
  it('is a labelled combobox that controls a multi-selectable listbox', () => {
    mountPicker();
    expect(box().attributes('id')).toBe('groups');
    expect(box().attributes('aria-expanded')).toBe('false');
    expect(box().attributes('aria-controls')).toBe(listbox().attributes('id'));
    expect(listbox().attributes('aria-multiselectable')).toBe('true');
    expect(listbox().attributes('aria-label')).toBe('Groups');
    expect(isOpen()).toBe(false);
  });

  it('filters as you type, and picks with the arrow keys and Enter without submitting the form', async () => {
    const { chosen, submitted } = mountPicker();
    box().element.focus();
    await box().setValue('eng');
    expect(box().attributes('aria-expanded')).toBe('true');
    expect(visibleLabels()).toEqual(['Engineering', 'Field engineers']);
    // The first match is highlighted and pointed at, while focus stays in the text box.
    expect(box().attributes('aria-activedescendant')).toBe(options()[0]!.attributes('id'));

    await key('ArrowDown');
    expect(box().attributes('aria-activedescendant')).toBe(options()[1]!.attributes('id'));
    await key('Enter');
    expect(chosen.value).toEqual(['g3']);
    expect(options()[1]!.attributes('aria-selected')).toBe('true');
    expect(options()[0]!.attributes('aria-selected')).toBe('false');
    expect(submitted.value).toBe(0);

    await key('ArrowUp');
    await key('Enter');
    expect(chosen.value).toEqual(['g3', 'g1']);
    expect(chips()).toEqual(['Field engineers', 'Engineering']);
    expect(wrapper!.get('[aria-live="polite"]').text()).toBe('Engineering added.');

    // Enter on the highlighted, chosen option takes it out again.
    await key('Enter');
    expect(chosen.value).toEqual(['g3']);
  });

  it('says when nothing matches', async () => {
    mountPicker();
    await box().setValue('zzz');
    expect(options()).toHaveLength(0);
    expect(wrapper!.get('[data-testid="multi-select-empty"]').text()).toBe('No group matches “zzz”.');
  });

  it('closes on Escape without letting the Escape reach the dialog, then submits on Enter as a text box does', async () => {
    const { submitted } = mountPicker();
    let escapesAbove = 0;
    wrapper!.element.addEventListener('keydown', (e: Event) => (e as KeyboardEvent).key === 'Escape' && escapesAbove++);
    await key('ArrowDown');
    expect(isOpen()).toBe(true);
    await key('Escape');
    expect(isOpen()).toBe(false);
    expect(box().attributes('aria-expanded')).toBe('false');
    expect(escapesAbove).toBe(0);
    // Closed and empty: the next Escape is the dialog's.
    await key('Escape');
    expect(escapesAbove).toBe(1);
    await wrapper!.get('form').trigger('submit');
    expect(submitted.value).toBe(1);
  });

  it('picks with the mouse, removes a chip with its button or Backspace, and shows long names whole in a title', async () => {
    const { chosen } = mountPicker(['g1']);
    await box().trigger('click');
    await options()[3]!.trigger('mousedown');
    expect(chosen.value).toEqual(['g1', 'g4']);
    const longChip = wrapper!.findAll('.multi-select__chip-label')[1]!;
    expect(longChip.attributes('title')).toBe(GROUPS[3]!.label);
    expect(options()[3]!.attributes('title')).toBe(GROUPS[3]!.label);

    await wrapper!.get('button[aria-label="Remove Engineering"]').trigger('click');
    expect(chosen.value).toEqual(['g4']);
    expect(document.activeElement).toBe(box().element);

    await key('Backspace');
    expect(chosen.value).toEqual([]);
    expect(chips()).toEqual([]);
  });

  it('with choices, offers what the server found for the typed start, keeps chosen names across searches, and reads on', async () => {
    // 40 groups, "Team 01" … "Team 40", loaded 25 at a time; the server's search here answers at once.
    const all = Array.from({ length: 40 }, (_, i) => ({ id: `t${i + 1}`, name: `Team ${String(i + 1).padStart(2, '0')}` }));
    const search = ref('');
    const loaded = ref(25);
    const matching = computed(() => all.filter((g) => g.name.toLowerCase().startsWith(search.value.toLowerCase())));
    const known = reactive(new Map<string, string>());
    const text = ref('');
    const choices: NameChoices = {
      text,
      search,
      options: computed(() => {
        const page = matching.value.slice(0, loaded.value);
        for (const g of page) known.set(g.id, g.name);
        return page;
      }),
      loading: ref(false),
      waiting: computed(() => text.value.trim() !== search.value),
      error: shallowRef(undefined),
      hasMore: computed(() => loaded.value < matching.value.length) as unknown as NameChoices['hasMore'],
      loadMore: () => (loaded.value += 25),
      nameOf: (id) => known.get(id),
      lookUp: () => {},
      isMissing: () => false,
    };
    const chosen = ref<string[]>([]);
    wrapper = mount(
      defineComponent({
        setup: () => () =>
          h(MultiSelect, {
            label: 'Groups',
            noun: 'group',
            choices,
            modelValue: chosen.value,
            'onUpdate:modelValue': (v: string[]) => (chosen.value = v),
          }),
      }),
      { attachTo: document.body },
    );
    await box().setValue('team 3');
    expect(choices.text.value).toBe('team 3');
    search.value = 'team 3';
    await wrapper.vm.$nextTick();
    expect(visibleLabels()).toEqual([
      'Team 30',
      'Team 31',
      'Team 32',
      'Team 33',
      'Team 34',
      'Team 35',
      'Team 36',
      'Team 37',
      'Team 38',
      'Team 39',
    ]);
    await key('Enter');
    expect(chosen.value).toEqual(['t30']);

    // Another search: Team 30 is no longer offered, its chip keeps its name.
    await box().setValue('');
    search.value = '';
    await wrapper.vm.$nextTick();
    expect(options()).toHaveLength(25);
    expect(chips()).toEqual(['Team 30']);
    // The keyboard reaching the last name loaded reads the next page.
    await key('End');
    await wrapper.vm.$nextTick();
    expect(options()).toHaveLength(40);

    await box().setValue('zz');
    search.value = 'zz';
    await wrapper.vm.$nextTick();
    expect(wrapper.get('[data-testid="multi-select-empty"]').text()).toBe('No group starts with “zz”.');
  });
});
