import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';

/** The checks a document passes before anything else, the same on both transports (Apollo runs them over HTTP). */
export interface DocumentChecks {
  parseOptions: ParseOptions;
  /** Added to graphql-js's specified rules, as Apollo's `validationRules` are. */
  rules: readonly ValidationRule[];
}

/** Documents checked, per schema and checks: dashboards open many sockets with the same few subscriptions. */
const checkedDocuments = new WeakMap<GraphQLSchema, WeakMap<DocumentChecks, Map<string, CheckedDocument>>>();
/** Distinct documents remembered (the oldest are forgotten first), each at most so long: arbitrary documents cannot grow memory. */
const MAX_CHECKED_DOCUMENTS = 200;
const MAX_CHECKED_DOCUMENT_LENGTH = 4096;

type CheckedDocument = { document: DocumentNode; errors?: never } | { errors: GraphQLError[] };

/**
 * `checkDocument`, remembered by the document's text: sockets sending the same text share one parsed, validated
 * (immutable) document, and the hub can tell they share it.
 */
export function checkSocketDocument(schema: GraphQLSchema, query: string, checks: DocumentChecks): CheckedDocument {
  if (query.length > MAX_CHECKED_DOCUMENT_LENGTH) return checkDocument(schema, query, checks);
  let bySchema = checkedDocuments.get(schema);
  if (!bySchema) checkedDocuments.set(schema, (bySchema = new WeakMap()));
  let cache = bySchema.get(checks);
  if (!cache) bySchema.set(checks, (cache = new Map()));
  let checked = cache.get(query);
  if (!checked) {
    checked = checkDocument(schema, query, checks);
    cache.set(query, checked);
    if (cache.size > MAX_CHECKED_DOCUMENTS) cache.delete(cache.keys().next().value!);
  }
  return checked;
}

/**
 * Parses and validates a document sent over the WebSocket exactly as Apollo does over HTTP, with the same
 * codes: GRAPHQL_PARSE_FAILED for a syntax error (or too many tokens), GRAPHQL_VALIDATION_FAILED for an
 * invalid document, and the limit's own code (QUERY_TOO_COMPLEX) for a document over a limit. Errors are
 * answered as the protocol's `error` message for that operation; the socket and its other operations go on.
 */
function checkDocument(schema: GraphQLSchema, query: string, checks: DocumentChecks): CheckedDocument {
  let document: DocumentNode;
  try {
    document = parse(query, checks.parseOptions);
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'Syntax Error: the document could not be parsed.';
    return { errors: [new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.GRAPHQL_PARSE_FAILED } })] };
  }
  const errors = validate(schema, document, [...specifiedRules, ...checks.rules]);
  if (errors.length === 0) return { document };
  return {
    errors: errors.map((error) =>
      error.extensions.code
        ? error
        : new GraphQLError(error.message, {
            nodes: error.nodes,
            extensions: { ...error.extensions, code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED },
          }),
    ),
  };
}
