import type { ApolloClient } from '@apollo/client';
import { MeDocument } from '@roster/schema/generated';
import { inject, shallowRef, type InjectionKey, type ShallowRef } from 'vue';
import type { ResultOf } from './graphql';

export type Viewer = ResultOf<typeof MeDocument>['me'];

export interface Session {
  /** The signed-in person and current account; null until `me` has answered. */
  viewer: Readonly<ShallowRef<Viewer | null>>;
  /** Queries `me` once and remembers it; rejects with the API error (e.g. UNAUTHENTICATED). */
  load(): Promise<Viewer>;
  /** After signIn: the payload already says who is signed in. */
  set(viewer: Viewer): void;
  /** After signOut or an expired session. */
  clear(): void;
}

export const SessionKey: InjectionKey<Session> = Symbol('Session');

export function createSession(client: ApolloClient): Session {
  const viewer = shallowRef<Viewer | null>(null);
  let pending: Promise<Viewer> | null = null;

  function load(): Promise<Viewer> {
    if (viewer.value) return Promise.resolve(viewer.value);
    pending ??= client
      .query({ query: MeDocument, fetchPolicy: 'network-only', context: { skipAuthRedirect: true } })
      .then(({ data }) => {
        if (!data) throw new Error('The server did not say who is signed in.');
        viewer.value = data.me;
        return data.me;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  }

  return {
    viewer,
    load,
    set(next) {
      viewer.value = next;
    },
    clear() {
      viewer.value = null;
      pending = null;
    },
  };
}

export function useSession(): Session {
  const session = inject(SessionKey, null);
  if (!session) throw new Error('No session: provide it with app.provide(SessionKey, session).');
  return session;
}
