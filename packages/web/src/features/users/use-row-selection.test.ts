import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import { useRowSelection } from './use-row-selection';

const ann = { id: '1' };
const bob = { id: '2' };
const cy = { id: '3' };

describe('useRowSelection', () => {
  it('ticks rows one by one or all together, and says when all are ticked', () => {
    const rows = ref([ann, bob]);
    const selection = useRowSelection(rows, () => 'page 1');
    selection.toggleRow(ann, true);
    expect(selection.selectedRows.value).toEqual([ann]);
    expect(selection.allSelected.value).toBe(false);
    selection.toggleRow(bob, true);
    expect(selection.allSelected.value).toBe(true);
    selection.toggleAll(false);
    expect(selection.selectedRows.value).toEqual([]);
    selection.toggleAll(true);
    expect(selection.selectedRows.value).toEqual([ann, bob]);
  });

  it('forgets the rows an action is done with and keeps the others', () => {
    const selection = useRowSelection(ref([ann, bob, cy]), () => 'page 1');
    selection.toggleAll(true);
    selection.forget([bob]);
    expect(selection.selectedRows.value).toEqual([ann, cy]);
  });

  it('starts again when the page changes', async () => {
    const scope = ref('page 1');
    const selection = useRowSelection(ref([ann, bob]), () => scope.value);
    selection.toggleRow(ann, true);
    scope.value = 'page 2';
    await nextTick();
    expect(selection.selectedIds.value.size).toBe(0);
  });

  it('never counts an empty page as all ticked', () => {
    expect(useRowSelection(ref([]), () => 'empty').allSelected.value).toBe(false);
  });
});
