/**
 * Test support: an Apollo client whose network is a function of the operation, and a mount helper that
 * gives a component the client, a session and an in-memory router, as the real app does.
 */
import { ApolloClient, ApolloLink } from '@apollo/client';
import { mount, flushPromises } from '@vue/test-utils';
import { Kind, OperationTypeNode, type FormattedExecutionResult } from 'graphql';
import { getMainDefinition } from '@apollo/client/utilities';
import { Observable, Subject } from 'rxjs';
import { defineComponent, h, type Component } from 'vue';
import { createMemoryHistory, RouterView, type Router } from 'vue-router';
import { ApolloClientKey, createAuthErrorLink, createCache } from '../client/apollo';
import { createLiveConnection, LiveConnectionKey, type LiveConnection } from '../client/live-connection';
import { createAppRouter } from '../app/router';
import { createSession, SessionKey, type Session } from '../client/session';
import { handleUnauthenticated } from '../client/sign-in-redirect';
import type { UnauthenticatedEvent } from '../client/unauthenticated';

export interface RecordedOperation {
  operationName: string;
  variables: Record<string, any>;
}

export type Responder = (operation: RecordedOperation) => FormattedExecutionResult | Error | Promise<FormattedExecutionResult | Error>;

export interface FakeApi {
  client: ApolloClient;
  /** Every operation the app sent, in order. */
  operations: RecordedOperation[];
  calls(operationName: string): RecordedOperation[];
  lastCall(operationName: string): RecordedOperation | undefined;
  /** What the error link calls on UNAUTHENTICATED; mountApp wires it to the router like main.ts. */
  onUnauthenticated?: (event: UnauthenticatedEvent) => void;
  /**
   * A subscription without a responder stays open: the test pushes its results (`stream('UserEvents').next(...)`),
   * fails it (`.error(...)`) or ends it (`.complete()`). `.observed` says whether the app is subscribed.
   */
  stream(operationName: string): Subject<FormattedExecutionResult>;
}

/** What `serverInfo` answers unless a test says otherwise: the dev mailbox on, a 5 MB import limit. */
export function aServerInfo(overrides: { devMailboxEnabled?: boolean; importMaxBytes?: number } = {}) {
  return {
    __typename: 'ServerInfo',
    devMailboxEnabled: overrides.devMailboxEnabled ?? true,
    importMaxBytes: overrides.importMaxBytes ?? 5 * 1024 * 1024,
  };
}

/**
 * responders by operation name; an unknown operation fails the test loudly.
 * `ServerInfo` (asked by the layout on every page) answers `aServerInfo()` unless given.
 */
export function fakeApi(givenResponders: Record<string, Responder>): FakeApi {
  const responders: Record<string, Responder> = {
    ServerInfo: () => ({ data: { serverInfo: aServerInfo() } }),
    UsersSeats: () => ({ data: { me: aSeatsViewer() } }),
    SeatLimit: () => ({ data: { me: aSeatsViewer() } }),
    // The company and group pickers (filters, dialogs): none unless a test gives them.
    CompanyChoices: namedList('Company', []),
    GroupChoices: namedList('Group', []),
    ...givenResponders,
  };
  const operations: RecordedOperation[] = [];
  const streams = new Map<string, Subject<FormattedExecutionResult>>();
  const stream = (name: string) => {
    let subject = streams.get(name);
    if (!subject) streams.set(name, (subject = new Subject<FormattedExecutionResult>()));
    return subject;
  };
  const isSubscription = (operation: ApolloLink.Operation) => {
    const definition = getMainDefinition(operation.query);
    return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
  };
  const network = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const recorded = { operationName: operation.operationName ?? '', variables: operation.variables };
        operations.push(recorded);
        const responder = responders[recorded.operationName];
        if (!responder && isSubscription(operation)) {
          const subscription = stream(recorded.operationName).subscribe({
            next: (result) => observer.next(result as ApolloLink.Result),
            error: (err) => observer.error(err),
            complete: () => observer.complete(),
          });
          return () => subscription.unsubscribe();
        }
        if (!responder) {
          observer.error(new Error(`No fake response for ${recorded.operationName}`));
          return;
        }
        Promise.resolve()
          .then(() => responder(recorded))
          .then(
            (result) => {
              if (result instanceof Error) observer.error(result);
              else {
                observer.next(result as ApolloLink.Result);
                observer.complete();
              }
            },
            (err) => observer.error(err),
          );
      }),
  );
  const api: FakeApi = {
    client: undefined as unknown as ApolloClient,
    operations,
    calls: (name) => operations.filter((o) => o.operationName === name),
    lastCall: (name) => operations.filter((o) => o.operationName === name).at(-1),
    stream,
  };
  const authLink = createAuthErrorLink((event) => api.onUnauthenticated?.(event));
  api.client = new ApolloClient({ link: ApolloLink.from([authLink, network]), cache: createCache() });
  return api;
}

export function graphQLError(code: string, message: string, extensions: Record<string, unknown> = {}): FormattedExecutionResult {
  return { data: null, errors: [{ message, extensions: { code, ...extensions } }] };
}

/* Builders: the shapes the API returns, with __typename so Apollo's cache keeps them whole. */

/** The Users page's seats answer (UsersSeats): unlimited with 3 seats used unless told otherwise. */
export function aSeatsViewer(seats: { used: number; limit: number | null; available?: number | null } = { used: 3, limit: null }) {
  const available = seats.available !== undefined ? seats.available : seats.limit == null ? null : Math.max(0, seats.limit - seats.used);
  return {
    __typename: 'ViewerInfo',
    currentAccount: { __typename: 'Account', id: 'account-1', seats: { __typename: 'AccountSeats', ...seats, available } },
  };
}

export function aViewer(
  overrides: {
    email?: string;
    name?: string | null;
    account?: string;
    accountId?: string;
    role?: string;
    /** Further MSP accounts of the person, beside the current one (the account switcher). */
    otherAccounts?: Array<{ id: string; name: string; role: string }>;
  } = {},
) {
  const role = overrides.role ?? 'OWNER';
  const current = { id: overrides.accountId ?? 'account-1', name: overrides.account ?? 'Northwind MSP', role };
  const memberships = [current, ...(overrides.otherAccounts ?? [])]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({ __typename: 'ViewerMembership', account: { __typename: 'Account', id: m.id, name: m.name }, role: m.role }));
  return {
    __typename: 'ViewerInfo',
    person: {
      __typename: 'Person',
      id: 'person-1',
      email: overrides.email ?? 'olivia@northwind-msp.example',
      name: overrides.name ?? 'Olivia Owner',
    },
    currentAccount: { __typename: 'Account', id: current.id, name: current.name },
    role,
    isAdministrator: role !== 'MEMBER',
    memberships,
  };
}

export interface AnInvitation {
  id: string;
  expired: boolean;
  expiresAt: string;
  lastSentAt: string | null;
  emailsSent: number;
  invitedBy: string | null;
  deliveryStatus: 'QUEUED' | 'SENT' | 'DELIVERED' | 'BOUNCED' | 'COMPLAINED' | 'FAILED' | 'NOT_SENT';
  deliveryError: string | null;
}

let invitationSeq = 0;
/** A pending invitation (User.invitation), sent an hour ago by Olivia, expiring in 6 days. */
export function anInvitation(overrides: Partial<AnInvitation> = {}) {
  invitationSeq += 1;
  return {
    __typename: 'InvitationInfo',
    id: `invitation-${invitationSeq}`,
    expired: false,
    expiresAt: new Date(Date.now() + 6 * 24 * 3600 * 1000).toISOString(),
    lastSentAt: new Date(Date.now() - 3600 * 1000).toISOString(),
    emailsSent: 1,
    invitedBy: 'Olivia Owner',
    deliveryStatus: 'SENT',
    deliveryError: null,
    ...overrides,
  };
}

let userSeq = 0;
export function aUser(
  overrides: Partial<{
    id: string;
    email: string;
    name: string | null;
    jobTitle: string | null;
    role: 'OWNER' | 'ADMIN' | 'MEMBER';
    status: 'INVITED' | 'ACTIVE' | 'SUSPENDED' | 'STAGED';
    source: 'MANUAL' | 'CSV' | 'SCIM' | 'INTEGRATION';
    invitationPending: boolean;
    emailBounced: boolean;
    invitation: Partial<AnInvitation> | null;
    lastActiveAt: string | null;
    company: { id: string; name: string } | null;
    groups: Array<{ id: string; name: string }>;
  }> = {},
) {
  userSeq += 1;
  const role = overrides.role ?? 'MEMBER';
  return {
    __typename: 'User',
    id: overrides.id ?? `user-${userSeq}`,
    email: overrides.email ?? `user${userSeq}@contoso.example`,
    name: overrides.name === undefined ? `User ${userSeq}` : overrides.name,
    jobTitle: overrides.jobTitle ?? null,
    role,
    status: overrides.status ?? 'ACTIVE',
    source: overrides.source ?? 'MANUAL',
    isAdministrator: role === 'OWNER' || role === 'ADMIN',
    invitationPending: overrides.invitationPending ?? false,
    emailBounced: overrides.emailBounced ?? false,
    invitation: overrides.invitation ? anInvitation(overrides.invitation) : null,
    lastActiveAt: overrides.lastActiveAt === undefined ? null : overrides.lastActiveAt,
    company: overrides.company ? { __typename: 'Company', ...overrides.company } : null,
    groups: (overrides.groups ?? []).map((g) => ({ __typename: 'Group', ...g })),
  };
}

/** What a per-user action mutation (reinviteUsers, suspendUsers, changeUserRole...) answers for the ids it was given. */
export function aUserActionPayload(
  field: string,
  operation: RecordedOperation,
  outcome: (userId: string) => { ok: boolean; code?: string; message: string },
) {
  return {
    data: {
      [field]: {
        __typename: 'UserActionPayload',
        results: (operation.variables.input.userIds as string[]).map((userId) => {
          const { ok, code, message } = outcome(userId);
          return {
            __typename: 'UserActionResult',
            userId,
            email: `${userId}@contoso.example`,
            inviteLink: null,
            code: code ?? null,
            ok,
            message,
          };
        }),
      },
    },
  };
}

export function aConnection<T extends { id: string }>(
  /** The node type: `User` gives a `UserConnection` of `UserEdge`s. */
  typename: string,
  nodes: T[],
  options: { totalCount?: number; hasNextPage?: boolean; hasPreviousPage?: boolean } = {},
) {
  return {
    __typename: `${typename}Connection`,
    totalCount: options.totalCount ?? nodes.length,
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: options.hasNextPage ?? false,
      hasPreviousPage: options.hasPreviousPage ?? false,
      startCursor: nodes.length ? `cursor:${nodes[0]!.id}` : null,
      endCursor: nodes.length ? `cursor:${nodes[nodes.length - 1]!.id}` : null,
    },
    edges: nodes.map((node) => ({ __typename: `${typename}Edge`, cursor: `cursor:${node.id}`, node })),
  };
}

/**
 * Answers a picker's CompanyChoices / GroupChoices (or Companies / Groups) as the server does: the names starting with
 * `search` (any letter case), in name order, `first` at a time after the `after` cursor. Give it with both names:
 * `{ CompanyChoices: namedList('Company', companies), CompanyChoice: oneNamed('company', companies) }`.
 */
export function namedList<T extends { id: string; name: string }>(typename: string, nodes: T[] | (() => T[])): Responder {
  const field = typename === 'Company' ? 'companies' : 'groups';
  return (op) => {
    const all = (typeof nodes === 'function' ? nodes() : nodes).slice().sort((a, b) => a.name.localeCompare(b.name));
    const search = ((op.variables.search as string | null | undefined) ?? '').toLocaleLowerCase();
    const matching = search ? all.filter((n) => n.name.toLocaleLowerCase().startsWith(search)) : all;
    const page = (op.variables.page ?? {}) as { first?: number; after?: string };
    const from = page.after ? matching.findIndex((n) => `cursor:${n.id}` === page.after) + 1 : 0;
    const first = page.first ?? 25;
    const slice = matching.slice(from, from + first);
    return {
      data: {
        [field]: aConnection(typename, slice, {
          totalCount: matching.length,
          hasNextPage: from + first < matching.length,
          hasPreviousPage: from > 0,
        }),
      },
    };
  };
}

/** Answers CompanyChoice / GroupChoice (`field` company or group): the one with the id, or NOT_FOUND. */
export function oneNamed<T extends { id: string; name: string }>(field: 'company' | 'group', nodes: T[] | (() => T[])): Responder {
  return (op) => {
    const found = (typeof nodes === 'function' ? nodes() : nodes).find((n) => n.id === op.variables.id);
    return found ? { data: { [field]: found } } : graphQLError('NOT_FOUND', `No such ${field}.`);
  };
}

export interface MountedApp {
  router: Router;
  session: Session;
  wrapper: ReturnType<typeof mount>;
  /** The WebSocket's state, as main.ts feeds it from graphql-ws: tests play its events (`live.closed({ code: 1006, reason: '' })`). */
  live: LiveConnection;
}

/** Anything whose buttons can be searched: the mounted app, or part of it (a row, a dialog). */
export type ButtonRoot = { findAll: MountedApp['wrapper']['findAll'] };

/** The button under `root` whose text is exactly `name`, as a user finds it; fails loudly when there is none. */
export function buttonIn(root: ButtonRoot, name: string) {
  const found = root.findAll('button').find((b) => b.text() === name);
  if (!found) throw new Error(`No button "${name}"`);
  return found;
}

/** Mounts the whole app (real routes, guard and layout) at `path`, against a fake API. */
/** `provide`: extra injections, e.g. a fake AccountSync (client/account-sync.ts) that records reloads. */
export async function mountApp(api: FakeApi, path: string, options: { provide?: Record<symbol, unknown> } = {}): Promise<MountedApp> {
  const session = createSession(api.client);
  const router = createAppRouter(session, createMemoryHistory());
  api.onUnauthenticated = (event) => handleUnauthenticated(router, session, event);
  const live = createLiveConnection({ onSessionEnded: (event) => handleUnauthenticated(router, session, event) });
  const Root: Component = defineComponent({ render: () => h(RouterView) });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(Root, {
    attachTo: document.body,
    global: {
      plugins: [router],
      provide: {
        [ApolloClientKey as symbol]: api.client,
        [SessionKey as symbol]: session,
        [LiveConnectionKey as symbol]: live,
        ...options.provide,
      },
    },
  });
  await settle();
  return { router, session, wrapper, live };
}

/** Lets queries answer and Vue re-render (async components, promises, timers at 0). */
export async function settle(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Waits until `check` passes (lazy route components load asynchronously), or fails with its error. */
export async function waitFor(check: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await settle(1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
