import { onScopeDispose, ref } from 'vue';

export type ToastTone = 'success' | 'warning' | 'error';

export interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  /** Per-item details (one line per user of a bulk action). */
  lines: string[];
}

const AUTO_DISMISS_MS = 12_000;

/** Short-lived messages for a page's toast region; errors stay until dismissed. */
export function useToasts() {
  const toasts = ref<Toast[]>([]);
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let seq = 0;

  function dismiss(id: number) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  function show(tone: ToastTone, title: string, lines: string[] = []) {
    seq += 1;
    const id = seq;
    toasts.value = [...toasts.value.slice(-3), { id, tone, title, lines }];
    if (tone !== 'error')
      timers.set(
        id,
        setTimeout(() => dismiss(id), AUTO_DISMISS_MS),
      );
    return id;
  }

  onScopeDispose(() => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  });

  return { toasts, show, dismiss };
}
