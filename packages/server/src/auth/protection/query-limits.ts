import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isEnumType,
  isInputObjectType,
  isNonNullType,
  Kind,
  typeFromAST,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../../core/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../core/lists/connection.js';
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

/** Set by callers that know the request's variables; without them, a page size given in a variable is unknown. */
interface CostContext {
  variablesKnown: boolean;
}

/**
 * Every field costs 1. A connection (a field with a `page` argument) costs its selection once per row it may
 * return: `first` or `last`, or the default page size, times the selection plus ROW_COST. A size that comes
 * in a variable counts as the largest page while the variables are not known (validation: the same document
 * is checked once for any variables). Other lists of objects count UNPAGED_LIST_ITEMS items. Introspection is
 * free (authenticated callers only, bounded by the schema). So 30 aliases of `users(page: { first: 100 })`
 * cost 30 x 100 rows, where a count of fields alone would see 30 small selections.
 */
const costEstimator: ComplexityEstimator = ({ type, field, node, args, childComplexity, context }) => {
  if (type.name.startsWith('__') || field.name.startsWith('__')) return 0;
  if (field.args.some((arg) => arg.name === 'page')) {
    const page = args.page as { first?: number | null; last?: number | null } | undefined;
    const pageArgument = node.arguments?.find((argument) => argument.name.value === 'page')?.value;
    const unknownSize = !(context as CostContext | undefined)?.variablesKnown && pageArgument !== undefined && usesVariable(pageArgument);
    const given = page?.first ?? page?.last ?? (unknownSize ? MAX_PAGE_SIZE : DEFAULT_PAGE_SIZE);
    // A size over the maximum is refused by the resolver with a clearer BAD_USER_INPUT.
    const rows = Math.min(MAX_PAGE_SIZE, Math.max(0, given));
    return 1 + rows * (ROW_COST + childComplexity);
  }
  // A connection's edges are already counted by its page size.
  const many = isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type)) && field.name !== 'edges';
  return 1 + (many ? UNPAGED_LIST_ITEMS : 1) * childComplexity;
};

function usesVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.OBJECT) return value.fields.some((field) => usesVariable(field.value));
  return false;
}

/** The cost of one operation of a document, with its variables (page sizes are often variables). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown> = {},
): number {
  const context: CostContext = { variablesKnown: true };
  return getComplexity({ schema, query: document, operationName, variables, estimators: [costEstimator], context });
}

function tooCostly(cost: number, max: number, batched: boolean): GraphQLError {
  return new GraphQLError(
    `The query is too costly: it could return about ${cost.toLocaleString('en')} fields and rows${batched ? ' with the other operations of this batch' : ''} (cost limit ${max.toLocaleString('en')}). Ask for smaller pages (\`first\`), fewer aliases or fewer fields.`,
    { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'cost', max, cost } },
  );
}

/**
 * operationCost, remembered per document (Apollo hands the same parsed document to every request of the same text) and
 * operation and variables: the dashboard asks the same few questions over and over, and computing a cost walks the
 * whole document against the schema. At most MAX_COSTS_PER_DOCUMENT answers per document, for small variables only.
 */
class OperationCosts {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, number>>();

  of(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
    const key = `${operationName ?? ''}\u0000${JSON.stringify(variables)}`;
    if (key.length > MAX_COST_KEY_LENGTH) return operationCost(schema, document, operationName, variables);
    let known = this.byDocument.get(document);
    const cached = known?.get(key);
    if (cached !== undefined) return cached;
    const cost = operationCost(schema, document, operationName, variables);
    if (!known) this.byDocument.set(document, (known = new Map()));
    if (known.size >= MAX_COSTS_PER_DOCUMENT) known.clear();
    known.set(key, cost);
    return cost;
  }
}

const MAX_COSTS_PER_DOCUMENT = 100;
const MAX_COST_KEY_LENGTH = 2_000;

/**
 * The cost limit as a validation rule, so both transports (HTTP through Apollo, the WebSocket) check it with
 * the other limits, before anything runs. Validation does not know the variables: page sizes given in them
 * count as the largest page, and other required variables get a placeholder (they do not change the cost).
 */
function costLimitRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const schema = context.getSchema();
      let cost: number;
      try {
        const variables = placeholderVariables(schema, operation);
        cost = getComplexity({
          schema,
          query: context.getDocument(),
          operationName: operation.name?.value,
          variables,
          estimators: [costEstimator],
          context: { variablesKnown: false },
        });
      } catch {
        return; // an invalid document: graphql-js's own rules report it
      }
      if (cost > max) context.reportError(tooCostly(cost, max, false));
    },
  });
}

/** A value for every required variable of an operation: the smallest one its type accepts. */
function placeholderVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const placeholder = (type: GraphQLInputType): unknown => {
    if (isNonNullType(type)) return placeholder(type.ofType);
    if (isListType(type)) return [];
    if (isEnumType(type)) return type.getValues()[0]?.value;
    if (isInputObjectType(type)) {
      return Object.fromEntries(
        Object.values(type.getFields())
          .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
          .map((f) => [f.name, placeholder(f.type)]),
      );
    }
    return SCALAR_PLACEHOLDERS.find((candidate) => accepts(type, candidate));
  };
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type as NamedTypeNode) as GraphQLInputType | undefined;
    if (type && isNonNullType(type) && !definition.defaultValue) variables[definition.variable.name.value] = placeholder(type);
  }
  return variables;
}

const SCALAR_PLACEHOLDERS: unknown[] = ['x', 0, false, new Date(0).toISOString()];

function accepts(type: GraphQLInputType, value: unknown): boolean {
  try {
    return (type as GraphQLScalarType).parseValue(value) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Over HTTP, once the operation and its variables are known, the operations of one batched request share one
 * cost budget (each alone already passed the validation rule): ten operations cannot return ten times what
 * one may. 400 and QUERY_TOO_COMPLEX with `limit: "cost"`, `max` and the `cost` found.
 */
export function queryCostPlugin(max: number = QUERY_LIMITS.cost): ApolloServerPlugin<object> {
  const spentByRequest = new WeakMap<object, number>();
  const costs = new OperationCosts();
  // One listener for every request: what it counts per request is keyed by the request's headers.
  const listener: GraphQLRequestListener<object> = {
    async didResolveOperation({ schema, document, operationName, request, contextValue }) {
      let cost: number;
      try {
        cost = costs.of(schema, document, operationName ?? undefined, request.variables ?? {});
      } catch {
        return; // variables that do not fit the operation: execution reports them
      }
      // Apollo gives each operation of a batch a shallow copy of the context, but the same headers object.
      const httpRequest: object = request.http?.headers ?? contextValue;
      const spent = (spentByRequest.get(httpRequest) ?? 0) + cost;
      spentByRequest.set(httpRequest, spent);
      if (spent > max) throw withHttpStatus(tooCostly(spent, max, spent > cost), 400);
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}

/**
 * The cost rule above, and GraphQL Armor's validation rules for depth, aliases and directives (the rules, without its Apollo wrapper: that one also turns off batching and
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
    costLimitRule(limits.cost),
    maxAliasesRule({ n: limits.aliases, ...refuse('aliases', limits.aliases) }),
    maxDirectivesRule({ n: limits.directives, ...refuse('directives', limits.directives) }),
  ] as unknown as ValidationRule[];
}
