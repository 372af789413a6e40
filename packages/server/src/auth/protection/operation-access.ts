import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { RequestContext } from '../../core/context.js';
import { ErrorCode, forbidden } from '../../core/errors.js';
import { selectedFieldNames } from '../../core/selected-fields.js';
import { accessOf } from '../api-keys/scopes.js';
import type { Viewer } from '../../core/viewer.js';

const ROOT_TYPE = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/**
 * The root fields an operation selects, through fragments and inline fragments. `@skip`/`@include` are
 * ignored on purpose: a field the caller may not use is refused even when a variable would skip it.
 */
export function rootFieldsOf(operation: OperationDefinitionNode, document: DocumentNode): readonly string[] {
  // Parsed documents are cached and reused (Apollo's document store), so each operation is walked once.
  let known = rootFieldsByOperation.get(operation);
  if (!known) {
    known = walkRootFields(operation, document);
    rootFieldsByOperation.set(operation, known);
  }
  return known;
}

const rootFieldsByOperation = new WeakMap<OperationDefinitionNode, readonly string[]>();

function walkRootFields(operation: OperationDefinitionNode, document: DocumentNode): readonly string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return [...selectedFieldNames([operation.selectionSet], (name) => fragments.get(name))];
}

export function withHttpStatus(error: GraphQLError, status: number, headers: Record<string, string> = {}): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { ...error.extensions, http: { status, headers: new HeaderMap(Object.entries(headers)) } },
  });
}

/**
 * Decides, once per operation and before anything executes, whether the caller may run it:
 * - an API key (Authorization header) is authenticated here, so a bad key is an HTTP 401 with its reason;
 *   then every root field must be allowed to keys and covered by the key's scopes (FIELD_ACCESS);
 * - introspection (`__schema`, `__type`) needs an authenticated caller, session or key;
 * - signed-in people are not checked here: their resolvers check the administrator role, and a session
 *   administrator has every scope.
 */
export function operationAccessPlugin(): ApolloServerPlugin<RequestContext> {
  // One listener for every request: it keeps nothing between hooks.
  const listener: GraphQLRequestListener<RequestContext> = {
    async didResolveOperation({ operation, document, contextValue }) {
      if (!operation) return;
      const fields = rootFieldsOf(operation, document);
      const introspects = fields.some((field) => field === '__schema' || field === '__type');
      const usesKey = contextValue.authorization !== undefined;
      if (!usesKey && !introspects) return;

      const viewer = await contextValue.viewer().catch((error: unknown) => {
        if (error instanceof GraphQLError && error.extensions.code === ErrorCode.UNAUTHENTICATED) {
          const realm: Record<string, string> = usesKey ? { 'WWW-Authenticate': 'Bearer realm="roster", error="invalid_token"' } : {};
          throw withHttpStatus(introspects && !usesKey ? introspectionRefused() : error, 401, realm);
        }
        throw error;
      });
      if (!viewer.apiKey) return;

      const refusal = refusalFor(viewer, operation, document);
      if (refusal) throw withHttpStatus(refusal, 403);
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}

/**
 * Why an API key may not run this operation, or null when it may: every root field must be allowed to keys
 * (FIELD_ACCESS) and covered by the key's scopes. Signed-in people are never refused here.
 */
export function refusalFor(viewer: Viewer, operation: OperationDefinitionNode, document: DocumentNode): GraphQLError | null {
  if (!viewer.apiKey) return null;
  const rootType = ROOT_TYPE[operation.operation];
  for (const field of rootFieldsOf(operation, document)) {
    if (field.startsWith('__')) continue;
    const access = accessOf(rootType, field);
    if (access === 'PUBLIC') continue;
    if (access === undefined || access === 'SESSION') {
      return forbidden(`\`${field}\` is only available to a signed-in administrator, not to an API key.`, {
        reason: 'SESSION_REQUIRED',
        field,
      });
    }
    if (!viewer.apiKey.scopes.includes(access.scope)) {
      return forbidden(
        `This API key lacks the scope \`${access.scope}\`, which \`${field}\` needs. An administrator can create a key with it.`,
        {
          requiredScope: access.scope,
          field,
        },
      );
    }
  }
  return null;
}

function introspectionRefused(): GraphQLError {
  return new GraphQLError('Introspection needs a signed-in session or an API key. The schema is also published at /schema.graphql.', {
    extensions: { code: ErrorCode.UNAUTHENTICATED, reason: 'NO_SESSION' },
  });
}
