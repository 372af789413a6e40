import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  visit,
  BREAK,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/** Compiled documents kept at once; the dashboard sends a few dozen, so a client sending endless new ones only evicts its own. */
export const MAX_COMPILED_DOCUMENTS = 500;

type Gateway = ApolloServerOptionsWithGateway<object>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

export interface ExecutionRequest {
  document: DocumentNode;
  /** What identifies the document's text (Apollo's SHA-256 of the query); the compiled query is cached under it. */
  documentKey: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  contextValue: unknown;
}

/** How a document is run: its compiled query, or graphql-js for what the compiler is not trusted with. */
type Plan = { kind: 'compiled'; query: CompiledQuery; operation: OperationDefinitionNode } | { kind: 'graphql-js' };

/**
 * Runs queries through graphql-jit, which compiles a document once into a function that resolves and completes its
 * fields without graphql-js's per-field interpretation (argument lookup, path and info objects, completion by type):
 * about half the CPU of a 50-row page. The compiled query is kept per document in a bounded LRU.
 *
 * The answer must be the one graphql-js would give (graphql-executor.test.ts compares them), so graphql-js still runs:
 * - mutations and subscriptions (rare, and their order and side effects matter more than their speed);
 * - documents with `@skip`/`@include` (graphql-jit's handling of them in fragments is still being reworked upstream)
 *   or introspection (GraphiQL's schema query);
 * - any document graphql-jit cannot compile;
 * - the coercion of variables: graphql-js's errors carry the variable's node, which is how Apollo answers them with
 *   400 and BAD_USER_INPUT; the compiled query then coerces the same raw values again.
 * Errors graphql-jit returns are rebuilt as graphql-js GraphQLErrors (same message, locations, path, original error and
 * extensions), because Apollo's error formatting and Roster's masking (unwrapResolverError) expect that class.
 */
export class GraphQLExecutor {
  private readonly plans: LRUCache<string, Plan>;

  constructor(
    private readonly schema: GraphQLSchema,
    maxDocuments: number = MAX_COMPILED_DOCUMENTS,
  ) {
    this.plans = new LRUCache<string, Plan>({ max: maxDocuments });
  }

  /** Documents compiled or planned so far and still kept. */
  get cachedDocuments(): number {
    return this.plans.size;
  }

  /** Which engine runs this request's document. */
  engineFor(request: ExecutionRequest): 'graphql-jit' | 'graphql-js' {
    return this.planFor(request).kind === 'compiled' ? 'graphql-jit' : 'graphql-js';
  }

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    const plan = this.planFor(request);
    if (plan.kind === 'graphql-js') {
      return execute({
        schema: this.schema,
        document: request.document,
        contextValue: request.contextValue,
        variableValues: request.variables,
        operationName: request.operationName,
      });
    }
    const variables = request.variables ?? {};
    if (plan.operation.variableDefinitions?.length) {
      const coerced = getVariableValues(this.schema, plan.operation.variableDefinitions, variables, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
    }
    const result = await plan.query.query(undefined, request.contextValue, variables);
    if (!result.errors) return result;
    return { ...result, errors: result.errors.map(asGraphQLJsError) };
  }

  /** Apollo's gateway hook is its only way to replace the executor; the schema stays the one given here. */
  gateway(): Gateway {
    const executor: GatewayExecutor = (requestContext) =>
      this.execute({
        document: requestContext.document,
        documentKey: requestContext.queryHash,
        operationName: requestContext.request.operationName,
        variables: requestContext.request.variables,
        contextValue: requestContext.context,
      });
    return {
      onSchemaLoadOrUpdate: (callback) => {
        callback({ apiSchema: this.schema, coreSupergraphSdl: '' });
        return () => {};
      },
      load: async () => ({ executor }),
      stop: async () => {},
    };
  }

  private planFor(request: ExecutionRequest): Plan {
    const key = `${request.operationName ?? ''}\u0000${request.documentKey}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = this.plan(request.document, request.operationName ?? undefined);
      this.plans.set(key, plan);
    }
    return plan;
  }

  private plan(document: DocumentNode, operationName: string | undefined): Plan {
    const operation = getOperationAST(document, operationName);
    if (!operation || operation.operation !== 'query' || needsGraphQLJs(document)) return { kind: 'graphql-js' };
    try {
      const compiled = compileQuery(this.schema, document, operationName);
      return isCompiledQuery(compiled) ? { kind: 'compiled', query: compiled, operation } : { kind: 'graphql-js' };
    } catch {
      return { kind: 'graphql-js' };
    }
  }
}

function needsGraphQLJs(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'skip' || node.name.value === 'include') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * graphql-jit's errors are of its own class, with locations but no AST nodes, and with no original error when graphql-jit
 * raised them itself (a null for a non-null field); graphql-js's locatedError gives every execution error a GraphQLError
 * wrapping an Error, with that error's extensions (or none).
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const original = error.originalError ?? new Error(error.message);
  // graphql-js keeps an error that already names its path (a resolver passing on another's) as it is.
  if (original instanceof GraphQLError && Array.isArray(original.path)) return original;
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError: original });
  if (error.locations) (rebuilt as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}
