import { computed, ref } from 'vue';
import type { ActionTarget } from './use-invitation-actions';

/** Destructive actions ask first: un-invite (a pending user), dismiss (a staged one), suspend. */
export type ConfirmKind = 'uninvite' | 'dismiss' | 'suspend' | 'reset-mfa';

export interface ConfirmWords {
  title: string;
  label: string;
  message: string;
}

/** What the confirmation dialog says for an action on one user (by email) or several (by count). */
export function confirmWords(kind: ConfirmKind, users: ActionTarget[]): ConfirmWords {
  const one = users.length === 1 ? users[0]!.email : null;
  switch (kind) {
    case 'dismiss':
      return {
        title: one ? 'Dismiss user' : `Dismiss ${users.length} users`,
        label: 'Dismiss',
        message: `Dismiss ${one ?? `${users.length} users`}? They are not invited and leave the review list; no email is sent.`,
      };
    case 'reset-mfa':
      return {
        title: 'Reset multi-factor authentication',
        label: 'Reset MFA',
        message: `Reset the MFA of ${one ?? `${users.length} users`}? Their authenticator apps, passkeys and recovery codes are removed and they are signed out; they sign in with their password and can set MFA up again (at once, if the account requires it).`,
      };
    case 'suspend':
      return {
        title: one ? 'Suspend user' : `Suspend ${users.length} users`,
        label: 'Suspend',
        message: `Suspend ${one ?? `${users.length} users`}? They can no longer sign in until restored. Nothing is deleted: their groups, company and history stay.`,
      };
    default:
      return {
        title: one ? 'Un-invite user' : `Un-invite ${users.length} users`,
        label: 'Un-invite',
        message: one
          ? `Un-invite ${one}? The invitation link will stop working and they will leave the pending list.`
          : `Un-invite ${users.length} users? Their invitation links will stop working and they will leave the pending list.`,
      };
  }
}

export interface ConfirmActionOptions {
  /** The action of this kind is running: the dialog waits and cannot be cancelled. */
  busy: (kind: ConfirmKind) => boolean;
  /** Runs the confirmed action; the dialog closes once it settles. */
  run: (kind: ConfirmKind, users: ActionTarget[]) => Promise<unknown>;
}

/** The "are you sure?" step in front of a destructive action: which action is asked about, and its answer. */
export function useConfirmAction(options: ConfirmActionOptions) {
  const confirmation = ref<{ kind: ConfirmKind; users: ActionTarget[] } | null>(null);
  const busy = computed(() => options.busy(confirmation.value?.kind ?? 'uninvite'));
  const words = computed(() => confirmWords(confirmation.value?.kind ?? 'uninvite', confirmation.value?.users ?? []));

  function ask(kind: ConfirmKind, users: ActionTarget[]) {
    confirmation.value = { kind, users };
  }
  async function confirm() {
    const pending = confirmation.value;
    if (!pending || busy.value) return;
    await options.run(pending.kind, pending.users);
    confirmation.value = null;
  }
  function cancel() {
    if (!busy.value) confirmation.value = null;
  }

  return { confirmation, busy, words, ask, confirm, cancel };
}
