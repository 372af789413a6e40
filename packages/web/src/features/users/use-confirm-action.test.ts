import { describe, expect, it, vi } from 'vitest';
import { ref } from 'vue';
import { confirmWords, useConfirmAction, type ConfirmKind } from './use-confirm-action';

const ann = { id: '1', email: 'ann@contoso.example' };
const bob = { id: '2', email: 'bob@contoso.example' };

describe('confirmWords', () => {
  it('names one user by email and several by count', () => {
    expect(confirmWords('suspend', [ann]).title).toBe('Suspend user');
    expect(confirmWords('suspend', [ann]).message).toContain('Suspend ann@contoso.example?');
    expect(confirmWords('dismiss', [ann, bob]).title).toBe('Dismiss 2 users');
    expect(confirmWords('uninvite', [ann, bob]).message).toContain('Their invitation links will stop working');
  });
});

describe('useConfirmAction', () => {
  it('runs the action asked about only once confirmed, then closes', async () => {
    const run = vi.fn(async (_kind: ConfirmKind, _users: unknown[]) => undefined);
    const confirm = useConfirmAction({ busy: () => false, run });
    confirm.ask('dismiss', [ann]);
    expect(run).not.toHaveBeenCalled();
    expect(confirm.words.value.label).toBe('Dismiss');
    await confirm.confirm();
    expect(run).toHaveBeenCalledWith('dismiss', [ann]);
    expect(confirm.confirmation.value).toBeNull();
  });

  it('cannot be cancelled or confirmed twice while the action runs', async () => {
    const busy = ref(false);
    const run = vi.fn(async () => undefined);
    const confirm = useConfirmAction({ busy: (kind) => kind === 'suspend' && busy.value, run });
    confirm.ask('suspend', [ann]);
    busy.value = true;
    confirm.cancel();
    await confirm.confirm();
    expect(confirm.confirmation.value).not.toBeNull();
    expect(run).not.toHaveBeenCalled();
    busy.value = false;
    confirm.cancel();
    expect(confirm.confirmation.value).toBeNull();
  });
});
