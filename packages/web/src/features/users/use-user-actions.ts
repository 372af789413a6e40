import { computed, ref, type Ref } from 'vue';
import type { useToasts } from '../../ui/toasts';
import type { BulkAssignKind } from './BulkAssignDialog.vue';
import type { BulkBusy } from './UsersBulkBar.vue';
import { useConfirmAction } from './use-confirm-action';
import { useInvitationActions, type ActionTarget } from './use-invitation-actions';
import { useUserAdminActions, type AssignableRole } from './use-user-admin-actions';
import type { UserAction } from './user-row';

export interface UserActionsOptions {
  toasts: Pick<ReturnType<typeof useToasts>, 'show'>;
  /** After an action both the list and the open panel show the server's word. */
  refetchAll: () => unknown;
  /** Unticks users an action is done with (the rest of the selection stays for the next action). */
  forget: (users: ActionTarget[]) => void;
  /** The user whose detail panel is open: un-invited or dismissed, they have nothing left to show. */
  panelUserId: Readonly<Ref<string | null>>;
  closePanel: () => void;
}

/**
 * What the Users page does to users, whoever asks (a row's buttons, the bulk bar, the detail panel): one
 * `run(action, users)` that acts at once, asks first (un-invite, dismiss, suspend) or opens the dialog the action
 * needs (change role, set company, add to or remove from a group), and what is busy meanwhile.
 */
export function useUserActions(options: UserActionsOptions) {
  const { toasts, refetchAll, forget } = options;
  const invitations = useInvitationActions(toasts, refetchAll);
  const admin = useUserAdminActions(toasts, refetchAll);

  const isBusy = (id: string) => invitations.busyIds.value.has(id) || admin.busyIds.value.has(id);
  const isReinviting = (id: string) => invitations.reinviting.value && invitations.busyIds.value.has(id);
  const bulkBusy = computed<BulkBusy>(() => ({
    reinviting: invitations.reinviting.value,
    uninviting: invitations.uninviting.value,
    retryingEmail: admin.retryingEmail.value,
    suspending: admin.suspending.value,
    restoring: admin.restoring.value,
  }));

  async function reinvite(users: ActionTarget[]) {
    const done = await invitations.reinvite(users);
    if (done && users.length > 1) forget(users);
  }
  async function restore(users: ActionTarget[]) {
    const done = await admin.restore(users);
    if (done && users.length > 1) forget(users);
  }

  /** Un-invite (staged users among them are dismissed, which is the same un-invite), dismiss and suspend ask first. */
  const confirm = useConfirmAction({
    busy: (kind) =>
      kind === 'suspend' ? admin.suspending.value : kind === 'reset-mfa' ? admin.resettingMfa.value : invitations.uninviting.value,
    async run(kind, users) {
      if (kind === 'reset-mfa') return void (await admin.resetMfa(users));
      if (kind === 'suspend') await admin.suspend(users);
      else await invitations.uninvite(users);
      forget(users);
      if (kind !== 'suspend' && users.some((u) => u.id === options.panelUserId.value)) options.closePanel();
    },
  });

  // Change role: a role picker, then per-user results as toasts; the selection stays for the next action.
  const changingRole = ref<ActionTarget[] | null>(null);
  async function changeRole(role: AssignableRole) {
    const users = changingRole.value;
    if (!users) return;
    await admin.changeRole(users, role);
    changingRole.value = null;
  }
  const changingRoleBusy = computed(() => admin.changingRole.value);

  // Set company, add to group, remove from group: for the selected users; the selection stays for the next action.
  const bulkAssign = ref<{ kind: BulkAssignKind; users: ActionTarget[] } | null>(null);
  function bulkAssigned(message: string) {
    bulkAssign.value = null;
    toasts.show('success', message);
    void refetchAll();
  }

  function run(action: UserAction, users: ActionTarget[]) {
    switch (action) {
      case 'reinvite':
      case 'invite':
        return void reinvite(users);
      case 'uninvite':
      case 'dismiss':
      case 'suspend':
      case 'reset-mfa':
        return confirm.ask(action, users);
      case 'restore':
        return void restore(users);
      case 'retry-email':
        return void admin.retryEmail(users);
      case 'change-role':
        changingRole.value = users;
        return;
      case 'set-company':
      case 'add-to-group':
      case 'remove-from-group':
        bulkAssign.value = { kind: action, users };
        return;
    }
  }

  /** One of this flow's dialogs is open (the page behind it is inert). */
  const dialogOpen = computed(() => confirm.confirmation.value !== null || bulkAssign.value !== null || changingRole.value !== null);

  return {
    run,
    isBusy,
    isReinviting,
    bulkBusy,
    confirm,
    changingRole,
    changingRoleBusy,
    changeRole,
    bulkAssign,
    bulkAssigned,
    dialogOpen,
  };
}
