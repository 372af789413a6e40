import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { Kind, OperationTypeNode } from 'graphql';
import type { InjectionKey } from 'vue';
import { shouldRetryLiveSocket, type LiveConnection } from './live-connection';
import type { UnauthenticatedEvent } from './unauthenticated';

export const ApolloClientKey: InjectionKey<ApolloClient> = Symbol('ApolloClient');

/** Context flag: the caller handles UNAUTHENTICATED itself (the route guard, the sign-in page). */
export interface RosterOperationContext {
  skipAuthRedirect?: boolean;
}

export interface CreateApolloClientOptions {
  /** Called when any operation fails with extensions.code UNAUTHENTICATED. */
  onUnauthenticated?: (event: UnauthenticatedEvent) => void;
  httpUri?: string;
  wsUrl?: string;
  /** Replace the network entirely (tests). */
  link?: ApolloLink;
  /** Told about the WebSocket's connecting / connected / closed events (the live-updates indicator). */
  live?: LiveConnection;
}

export function graphqlWsUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/graphql`;
}

/** Turns UNAUTHENTICATED errors into a callback (which sends the app to /sign-in). */
export function createAuthErrorLink(onUnauthenticated: (event: UnauthenticatedEvent) => void): ApolloLink {
  return new ErrorLink(({ error, operation }) => {
    if (!CombinedGraphQLErrors.is(error)) return;
    const unauthenticated = error.errors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
    if (!unauthenticated) return;
    const context = operation.getContext() as RosterOperationContext;
    if (context.skipAuthRedirect) return;
    const reason = unauthenticated.extensions?.reason;
    onUnauthenticated({
      reason: typeof reason === 'string' ? reason : undefined,
      operationName: operation.operationName,
    });
  });
}

function createNetworkLink(options: CreateApolloClientOptions): ApolloLink {
  const httpLink = new HttpLink({ uri: options.httpUri ?? '/graphql', credentials: 'same-origin' });
  const wsLink = new GraphQLWsLink(
    createClient({
      url: options.wsUrl ?? graphqlWsUrl(),
      // Connects while a subscription exists (the signed-in admin's live user events), closes when none is left.
      lazy: true,
      // Network drops and server restarts: retry forever with graphql-ws's randomised exponential backoff.
      retryAttempts: Infinity,
      // ...but not an ended session (4401) or a socket refused for lack of one (4403): that is "sign in again".
      shouldRetry: shouldRetryLiveSocket,
      on: options.live && {
        connecting: (isRetry) => options.live!.connecting(isRetry),
        connected: () => options.live!.connected(),
        closed: (event) => options.live!.closed(event),
      },
    }),
  );
  return ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
    },
    wsLink,
    httpLink,
  );
}

/**
 * The cache both the app and the tests use. Import totals, outcomes and mappings have no id of their own:
 * a newer copy (a progress event, a remap) simply replaces the older one field by field.
 */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      ImportPreviewTotals: { merge: true },
      ImportOutcomeTotals: { merge: true },
      ImportMappingType: { merge: true },
      SyncCountsType: { merge: true },
      IntegrationOptionsType: { merge: true },
      IntegrationCapabilities: { merge: true },
      // `me` has no id; Settings reads more of its account than the session does, so the two merge.
      ViewerInfo: { merge: true },
      // A user's groups arrive whole (queries and live events): the incoming list replaces the cached one.
      User: { fields: { groups: { merge: false } } },
    },
  });
}

export function createApolloClient(options: CreateApolloClientOptions = {}): ApolloClient {
  const network = options.link ?? createNetworkLink(options);
  const link = options.onUnauthenticated ? ApolloLink.from([createAuthErrorLink(options.onUnauthenticated), network]) : network;
  return new ApolloClient({
    link,
    cache: createCache(),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: true },
    },
  });
}
