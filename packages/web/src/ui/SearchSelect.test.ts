import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { computed, defineComponent, h, reactive, ref, shallowRef } from 'vue';
import type { NameChoice, NameChoices } from '../client/name-choices';
import SearchSelect from './SearchSelect.vue';

/** 60 companies, "Client 01" … "Client 60", loaded 25 at a time; the search narrows by the start of the name at once. */
const ALL: NameChoice[] = Array.from({ length: 60 }, (_, i) => ({ id: `c${i + 1}`, name: `Client ${String(i + 1).padStart(2, '0')}` }));

function fakeChoices(): NameChoices & { pagesRead: () => number } {
  const text = ref('');
  const search = ref('');
  const loaded = ref(25);
  let pages = 1;
  const matching = computed(() => ALL.filter((c) => c.name.toLowerCase().startsWith(search.value.toLowerCase())));
  const known = reactive(new Map(ALL.map((c) => [c.id, c.name])));
  return {
    text,
    search,
    options: computed(() => matching.value.slice(0, loaded.value)),
    loading: ref(false),
    waiting: computed(() => text.value.trim() !== search.value),
    error: shallowRef(undefined),
    hasMore: computed(() => loaded.value < matching.value.length) as unknown as NameChoices['hasMore'],
    loadMore: () => {
      if (loaded.value >= matching.value.length) return;
      loaded.value += 25;
      pages++;
    },
    nameOf: (id) => known.get(id),
    lookUp: () => {},
    isMissing: (id) => !known.has(id),
    pagesRead: () => pages,
  };
}

let wrapper: ReturnType<typeof mount> | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

function mountPicker(initial = '') {
  const chosen = ref(initial);
  const submitted = ref(0);
  const choices = fakeChoices();
  const Host = defineComponent({
    setup: () => () =>
      h('form', { onSubmit: (e: Event) => (e.preventDefault(), submitted.value++) }, [
        h('label', { for: 'company' }, 'Company'),
        h(SearchSelect, {
          id: 'company',
          choices,
          label: 'Companies',
          noun: 'company',
          noneLabel: 'Any company',
          modelValue: chosen.value,
          'onUpdate:modelValue': (v: string) => (chosen.value = v),
        }),
      ]),
  });
  wrapper = mount(Host, { attachTo: document.body });
  return { chosen, submitted, choices };
}

const box = () => wrapper!.get<HTMLInputElement>('input[role="combobox"]');
const listbox = () => wrapper!.get('[role="listbox"]');
const options = () => wrapper!.findAll('[role="option"]');
const labels = () => options().map((o) => o.text().replace('✓', '').trim());
const key = (k: string) => box().trigger('keydown', { key: k });
const activeLabel = () =>
  wrapper!
    .find(`#${box().attributes('aria-activedescendant')}`)
    .text()
    .replace('✓', '')
    .trim();

describe('the searchable single-choice picker', () => {
  it('is a labelled combobox showing the chosen name, controlling a listbox', () => {
    mountPicker('c7');
    expect(box().attributes('id')).toBe('company');
    expect(box().element.value).toBe('Client 07');
    expect(box().attributes('aria-expanded')).toBe('false');
    expect(box().attributes('aria-controls')).toBe(listbox().attributes('id'));
    expect(listbox().attributes('aria-label')).toBe('Companies');
  });

  it('opens with the arrow key on the chosen name, moves, and picks with Enter without submitting the form', async () => {
    const { chosen, submitted } = mountPicker('c2');
    await key('ArrowDown');
    expect(box().attributes('aria-expanded')).toBe('true');
    expect(labels()[0]).toBe('Any company');
    expect(activeLabel()).toBe('Client 02');
    expect(options()[2]!.attributes('aria-selected')).toBe('true');
    await key('ArrowDown');
    expect(activeLabel()).toBe('Client 03');
    await key('Enter');
    expect(chosen.value).toBe('c3');
    expect(submitted.value).toBe(0);
    expect(box().attributes('aria-expanded')).toBe('false');
    expect(box().element.value).toBe('Client 03');
    // Closed, Enter is the form's again.
    await wrapper!.get('form').trigger('submit');
    expect(submitted.value).toBe(1);
  });

  it('searches what is typed and picks a company far beyond the first page', async () => {
    const { chosen, choices } = mountPicker();
    await box().setValue('client 5');
    expect(choices.text.value).toBe('client 5');
    // The server answers the typed text (here at once): only the names starting with it are offered.
    choices.search.value = 'client 5';
    await wrapper!.vm.$nextTick();
    expect(labels()).toEqual([
      'Client 50',
      'Client 51',
      'Client 52',
      'Client 53',
      'Client 54',
      'Client 55',
      'Client 56',
      'Client 57',
      'Client 58',
      'Client 59',
    ]);
    await key('End');
    await key('Enter');
    expect(chosen.value).toBe('c59');
    expect(box().element.value).toBe('Client 59');
    expect(choices.text.value).toBe('');
  });

  it('reads the next page when the keyboard reaches the last name loaded', async () => {
    const { choices } = mountPicker();
    await key('ArrowDown');
    expect(options()).toHaveLength(26);
    await key('End');
    expect(choices.pagesRead()).toBe(2);
    await wrapper!.vm.$nextTick();
    expect(options()).toHaveLength(51);
    expect(wrapper!.get('[data-testid="search-select-status"]').text()).toBe('Scroll or keep typing for more.');
    await key('End');
    await key('End');
    await wrapper!.vm.$nextTick();
    expect(options()).toHaveLength(61);
    expect(wrapper!.find('[data-testid="search-select-status"]').exists()).toBe(false);
  });

  it('says when nothing starts with the text, and Escape puts the chosen name back', async () => {
    const { chosen, choices } = mountPicker('c4');
    await box().setValue('zz');
    choices.search.value = 'zz';
    await wrapper!.vm.$nextTick();
    expect(options()).toHaveLength(0);
    expect(wrapper!.get('[data-testid="search-select-status"]').text()).toBe('No company starts with “zz”.');
    await key('Escape');
    expect(box().attributes('aria-expanded')).toBe('false');
    expect(box().element.value).toBe('Client 04');
    expect(chosen.value).toBe('c4');
  });

  it('offers the "none" choice first and picks it by mouse', async () => {
    const { chosen } = mountPicker('c9');
    await box().trigger('click');
    await options()[0]!.trigger('mousedown');
    expect(chosen.value).toBe('');
    expect(box().element.value).toBe('Any company');
  });
});
