import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { getNamedType, getNullableType, GraphQLError, isCompositeType, isListType, type DocumentNode, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../../app/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../common/connection.js';
import { withHttpStatus } from './operation-access.js';

/**
 * Limits on what one request may ask for, so a public endpoint cannot be asked for unbounded work. The
 * dashboard's queries go to depth 7 at most and cost at most about 7,500 with 100-row pages (the Integrations
 * page); a document file has a few hundred tokens; a test checks every document of the web app against these
 * limits. Introspection (GraphiQL's query is deep) is exempt from depth and cost, and only authenticated
 * callers may introspect (see operation-access.ts).
 */
export const QUERY_LIMITS = {
  /** Nesting of selections. */
  depth: 10,
  /** `operationCost`: fields and rows a request may return, page sizes counted (all operations of a batch together). */
  cost: 10_000,
  aliases: 30,
  directives: 50,
  /** Lexical tokens of the document (graphql-js parse option): stops huge documents before any other work. */
  tokens: 3000,
} as const;

export type QueryLimitName = 'depth' | 'cost' | 'aliases' | 'directives';

/** What one row of a page costs beyond its fields: reading it from the database and sending it. */
const ROW_COST = 10;
/** Lists that are not paged (a user's groups, an integration type's fields) are counted as this many items. */
const UNPAGED_LIST_ITEMS = 5;

/**
 * Every field costs 1. A connection (a field with a `page` argument) costs its selection once per row it may
 * return: `first` or `last`, or the default page size, times the selection plus ROW_COST. Other lists of
 * objects count UNPAGED_LIST_ITEMS items. Introspection is free (authenticated callers only, bounded by the
 * schema). So 30 aliases of `users(page: { first: 100 })` cost 30 x 100 rows, where a count of fields alone
 * would see 30 small selections.
 */
const costEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (type.name.startsWith('__') || field.name.startsWith('__')) return 0;
  if (field.args.some((arg) => arg.name === 'page')) {
    const page = args.page as { first?: number | null; last?: number | null } | undefined;
    // A size over the maximum is refused by the resolver with a clearer BAD_USER_INPUT.
    const rows = Math.min(MAX_PAGE_SIZE, Math.max(0, page?.first ?? page?.last ?? DEFAULT_PAGE_SIZE));
    return 1 + rows * (ROW_COST + childComplexity);
  }
  // A connection's edges are already counted by its page size.
  const many = isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type)) && field.name !== 'edges';
  return 1 + (many ? UNPAGED_LIST_ITEMS : 1) * childComplexity;
};

/** The cost of one operation of a document, with its variables (page sizes are often variables). */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> = {}): number {
  return getComplexity({ schema, query: document, operationName, variables, estimators: [costEstimator] });
}

/**
 * Refuses, before execution, a request whose operations together cost more than the limit: 400 and
 * QUERY_TOO_COMPLEX with `limit: "cost"`, `max` and the `cost` found. Run once the operation is known, because
 * page sizes usually come in variables, which validation rules do not see. The operations of one batched
 * HTTP request share one budget: ten operations cannot return ten times what one may.
 */
export function queryCostPlugin(max: number = QUERY_LIMITS.cost): ApolloServerPlugin<object> {
  const spentByRequest = new WeakMap<object, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request, contextValue }) {
          let cost: number;
          try {
            cost = operationCost(schema, document, operationName ?? undefined, request.variables ?? {});
          } catch {
            return; // variables that do not fit the operation: execution reports them
          }
          // Apollo gives each operation of a batch a shallow copy of the context, but the same headers object.
          const httpRequest: object = request.http?.headers ?? contextValue;
          const spent = (spentByRequest.get(httpRequest) ?? 0) + cost;
          spentByRequest.set(httpRequest, spent);
          if (spent <= max) return;
          const batched = spent > cost;
          throw withHttpStatus(
            new GraphQLError(
              `The query is too costly: it could return about ${spent.toLocaleString('en')} fields and rows${batched ? ' with the other operations of this batch' : ''} (cost limit ${max.toLocaleString('en')}). Ask for smaller pages (\`first\`), fewer aliases or fewer fields.`,
              { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'cost', max, cost: spent } },
            ),
            400,
          );
        },
      };
    },
  };
}

/**
 * GraphQL Armor's validation rules for depth, aliases and directives (the rules, without its Apollo wrapper: that one also turns off batching and
 * wraps parsing in a plugin whose errors surface as HTTP 500). A refusal is a QUERY_TOO_COMPLEX error naming
 * the limit and its maximum.
 */
export function queryLimitRules(limits: typeof QUERY_LIMITS = QUERY_LIMITS): ValidationRule[] {
  const refuse = (limit: QueryLimitName, max: number) => ({
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [
      (ctx: ValidationContext | null, error: GraphQLError) => {
        ctx?.reportError(new GraphQLError(error.message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max } }));
      },
    ],
  });
  // Fragments are flattened: a fragment spread is not a level of depth, only the fields it brings in are.
  return [
    maxDepthRule({ n: limits.depth, ignoreIntrospection: true, flattenFragments: true, ...refuse('depth', limits.depth) }),
    maxAliasesRule({ n: limits.aliases, ...refuse('aliases', limits.aliases) }),
    maxDirectivesRule({ n: limits.directives, ...refuse('directives', limits.directives) }),
  ] as unknown as ValidationRule[];
}
