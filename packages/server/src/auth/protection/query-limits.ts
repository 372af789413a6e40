import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../app/errors.js';

/**
 * Limits on what one document may ask for, so a public endpoint cannot be asked for unbounded work. The
 * dashboard's queries go to depth 7 at most and cost at most about 470 (the Integrations page), a document
 * file has a few hundred tokens; a test checks every document of the web app against these limits. Introspection (GraphiQL's query is deep) is exempt
 * from depth and cost, and only authenticated callers may introspect (see operation-access.ts).
 */
export const QUERY_LIMITS = {
  /** Nesting of selections. */
  depth: 10,
  /** GraphQL Armor's cost: 2 per object, 1 per scalar, times 1.5 per level of depth. */
  cost: 3000,
  aliases: 30,
  directives: 50,
  /** Lexical tokens of the document (graphql-js parse option): stops huge documents before any other work. */
  tokens: 3000,
} as const;

export type QueryLimitName = 'depth' | 'cost' | 'aliases' | 'directives';

/**
 * GraphQL Armor's validation rules (the rules, without its Apollo wrapper: that one also turns off batching and
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
    costLimitRule({ maxCost: limits.cost, ignoreIntrospection: true, flattenFragments: true, ...refuse('cost', limits.cost) }),
    maxAliasesRule({ n: limits.aliases, ...refuse('aliases', limits.aliases) }),
    maxDirectivesRule({ n: limits.directives, ...refuse('directives', limits.directives) }),
  ] as unknown as ValidationRule[];
}
