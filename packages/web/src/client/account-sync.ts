import { inject, type InjectionKey } from 'vue';

/**
 * Which MSP account a browser works in is the session's (one cookie for every tab), so switching in one tab
 * moves them all on the server. Tabs tell each other at once (BroadcastChannel; the `storage` event where
 * there is none), and every tab that showed another account reloads into the new one: its Apollo cache, open
 * dialogs and live subscription belong to the old account and must not be shown under the new one's name.
 */

export interface AccountSwitchMessage {
  personId: string;
  accountId: string;
  accountName: string;
}

/** The tab-to-tab channel (and localStorage key of the fallback). */
export const ACCOUNT_CHANNEL = 'roster-account';
/** sessionStorage (this tab only): the notice to show once this tab has reloaded into the new account. */
export const FOLLOWED_NOTICE_KEY = 'roster-followed-account';

export interface AccountSync {
  /** Tells the other tabs of this browser. */
  announce(message: AccountSwitchMessage): void;
  /** Calls `listener` for switches announced by other tabs; returns the unsubscribe. */
  listen(listener: (message: AccountSwitchMessage) => void): () => void;
  /** Loads the dashboard afresh at `path` (a full page load: nothing of the old account survives). */
  reloadAt(path: string): void;
}

function parse(data: unknown): AccountSwitchMessage | null {
  const value = typeof data === 'string' ? safeJson(data) : data;
  if (!value || typeof value !== 'object') return null;
  const { personId, accountId, accountName } = value as Record<string, unknown>;
  if (typeof personId !== 'string' || typeof accountId !== 'string' || typeof accountName !== 'string') return null;
  return { personId, accountId, accountName };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The browser's implementation: BroadcastChannel where it exists, else localStorage's `storage` event. */
export function createBrowserAccountSync(): AccountSync {
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(ACCOUNT_CHANNEL) : null;
  return {
    announce(message) {
      if (channel) channel.postMessage(message);
      else {
        try {
          // A nonce makes every write a change, so a second switch to the same account is still heard.
          localStorage.setItem(ACCOUNT_CHANNEL, JSON.stringify({ ...message, nonce: Math.random() }));
        } catch {
          /* storage disabled: other tabs notice on their next request instead */
        }
      }
    },
    listen(listener) {
      if (channel) {
        const onMessage = (event: MessageEvent) => {
          const message = parse(event.data);
          if (message) listener(message);
        };
        channel.addEventListener('message', onMessage);
        return () => channel.removeEventListener('message', onMessage);
      }
      const onStorage = (event: StorageEvent) => {
        if (event.key !== ACCOUNT_CHANNEL || !event.newValue) return;
        const message = parse(event.newValue);
        if (message) listener(message);
      };
      window.addEventListener('storage', onStorage);
      return () => window.removeEventListener('storage', onStorage);
    },
    reloadAt(path) {
      window.location.assign(path);
    },
  };
}

export const AccountSyncKey: InjectionKey<AccountSync> = Symbol('AccountSync');

let browserSync: AccountSync | null = null;

/** The provided AccountSync (tests give a fake), else one shared browser implementation. */
export function useAccountSync(): AccountSync {
  const provided = inject(AccountSyncKey, null);
  if (provided) return provided;
  browserSync ??= createBrowserAccountSync();
  return browserSync;
}

/** Remembers, for this tab only, why it reloaded; read (and forgotten) once after the reload. */
export const followedNotice = {
  set(accountName: string) {
    try {
      sessionStorage.setItem(FOLLOWED_NOTICE_KEY, accountName);
    } catch {
      /* the tab still follows, only without the notice */
    }
  },
  take(): string | null {
    try {
      const value = sessionStorage.getItem(FOLLOWED_NOTICE_KEY);
      sessionStorage.removeItem(FOLLOWED_NOTICE_KEY);
      return value;
    } catch {
      return null;
    }
  },
};

/** Where a tab lands in the new account: the section it was in (ids in the address belong to the old account). */
export function sectionRoot(path: string): string {
  const first = path.split('/').filter(Boolean)[0];
  const sections = ['users', 'companies', 'groups', 'integrations', 'audit', 'settings'];
  return first && sections.includes(first) ? `/${first}` : '/users';
}
