import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import Dialog from './Dialog.vue';

const Host = defineComponent({
  setup() {
    const open = ref(false);
    return () => [
      h('button', { id: 'opener', onClick: () => (open.value = true) }, 'Open'),
      open.value
        ? h(
            Dialog,
            { title: 'Invite users', onClose: () => (open.value = false) },
            {
              default: () => [h('input', { id: 'first', 'aria-label': 'First' })],
              footer: () => [h('button', { id: 'last' }, 'Send')],
            },
          )
        : null,
    ];
  },
});

let wrapper: ReturnType<typeof mount> | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
});

const settle = async () => {
  await nextTick();
  await nextTick();
};

describe('Dialog', () => {
  it('is a labelled modal that takes the focus, keeps Tab inside, and gives the focus back on Escape', async () => {
    wrapper = mount(Host, { attachTo: document.body });
    const opener = wrapper.get('#opener');
    (opener.element as HTMLElement).focus();
    await opener.trigger('click');
    await settle();

    const dialog = wrapper.get('[role="dialog"]');
    expect(dialog.attributes('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.attributes('aria-labelledby')!)!.textContent).toBe('Invite users');
    expect(document.activeElement?.id).toBe('first');

    // Tab from the last control wraps to the first (the × button), Shift+Tab from the first wraps back.
    (wrapper.get('#last').element as HTMLElement).focus();
    await dialog.trigger('keydown', { key: 'Tab' });
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Close');
    await dialog.trigger('keydown', { key: 'Tab', shiftKey: true });
    expect(document.activeElement?.id).toBe('last');

    await dialog.trigger('keydown', { key: 'Escape' });
    await settle();
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(document.activeElement?.id).toBe('opener');
  });

  it('closes with its Close button', async () => {
    wrapper = mount(Host, { attachTo: document.body });
    await wrapper.get('#opener').trigger('click');
    await settle();
    await wrapper.get('button[aria-label="Close"]').trigger('click');
    await settle();
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false);
  });
});
