import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import Badge from './Badge.vue';

describe('Badge', () => {
  it.each([
    ['amber', 'Invitation pending'],
    ['green', 'Administrator'],
    ['grey', 'Suspended'],
    ['red', 'Failed'],
  ] as const)('shows "%s" tone with its label', (tone, label) => {
    const wrapper = mount(Badge, { props: { tone }, slots: { default: label } });
    expect(wrapper.text()).toBe(label);
    expect(wrapper.classes()).toContain(`badge--${tone}`);
  });

  it('is grey unless told otherwise, and passes test ids through', () => {
    const wrapper = mount(Badge, { slots: { default: 'Suspended' }, attrs: { 'data-testid': 'badge-suspended' } });
    expect(wrapper.classes()).toContain('badge--grey');
    expect(wrapper.attributes('data-testid')).toBe('badge-suspended');
  });
});
