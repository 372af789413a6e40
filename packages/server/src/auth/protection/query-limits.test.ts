import fs from 'node:fs';
import path from 'node:path';
import {
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  typeFromAST,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildRosterSchema } from '../../app/schema.js';
import { MAX_PAGE_SIZE } from '../../core/lists/connection.js';
import { operationCost, QUERY_LIMITS, queryLimitRules } from './query-limits.js';

const webSource = path.resolve(import.meta.dirname, '../../../../web/src');

function webDocuments(): Array<{ file: string; source: string }> {
  const found: Array<{ file: string; source: string }> = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.graphql')) found.push({ file: path.relative(webSource, full), source: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(webSource);
  return found;
}

/** Each operation with the fragments it may use, as the dashboard sends it. */
function operations(
  documents: Array<{ file: string; source: string }>,
): Array<{ name: string; document: DocumentNode; operation: OperationDefinitionNode }> {
  const all = documents.map((d) => parse(d.source));
  const fragments = all.flatMap((d) => d.definitions.filter((x): x is FragmentDefinitionNode => x.kind === Kind.FRAGMENT_DEFINITION));
  return all.flatMap((d) =>
    d.definitions
      .filter((x) => x.kind === Kind.OPERATION_DEFINITION)
      .map((op) => ({
        name: (op as { name?: { value: string } }).name?.value ?? '?',
        document: { kind: Kind.DOCUMENT, definitions: [op, ...fragments] } as DocumentNode,
        operation: op as OperationDefinitionNode,
      })),
  );
}

/**
 * Variables for costing an operation as its worst case: the largest page the dashboard can ask for in every
 * page variable, and the smallest valid value in every other required one (they do not change the cost).
 */
function worstCaseVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const smallest = (type: GraphQLInputType): unknown => {
    if (isNonNullType(type)) return smallest(type.ofType);
    if (isListType(type)) return [];
    if (isEnumType(type)) return type.getValues()[0]!.value;
    if (isInputObjectType(type)) {
      return Object.fromEntries(
        Object.values(type.getFields())
          .filter((f) => isNonNullType(f.type))
          .map((f) => [f.name, smallest(f.type)]),
      );
    }
    return { Int: 0, Float: 0, Boolean: false }[type.name] ?? (type.name === 'DateTime' ? new Date(0).toISOString() : 'x');
  };
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType;
    const name = definition.variable.name.value;
    if (getNamedType(type).name === 'PageArgs') variables[name] = { first: MAX_PAGE_SIZE };
    else if (isNonNullType(type)) variables[name] = smallest(type);
  }
  return variables;
}

describe('query limits', () => {
  it('let every operation of the dashboard cost less than the limit, with the largest pages it can ask for', async () => {
    const schema = await buildRosterSchema();
    const costs = operations(webDocuments()).map(({ name, document, operation }) => ({
      name,
      cost: operationCost(schema, document, name, worstCaseVariables(schema, operation)),
    }));
    const over = costs.filter((c) => c.cost > QUERY_LIMITS.cost);
    expect(over, `costs: ${JSON.stringify(costs)}`).toEqual([]);
    // The Users page at 100 rows is one of the costliest: page sizes are counted.
    expect(costs.find((c) => c.name === 'UsersPage')!.cost).toBeGreaterThan(100 * 10);
  });

  it('counts page sizes: a page of 100 costs four times a page of 25, and aliases add up', async () => {
    const schema = await buildRosterSchema();
    const cost = (query: string) => operationCost(schema, parse(query), undefined);
    const page = (first: number) => cost(`{ users(page: { first: ${first} }) { edges { node { id email } } } }`);
    expect(page(100) - 1).toBe(4 * (page(25) - 1));
    const aliased = cost(
      '{ ' + Array.from({ length: 30 }, (_, i) => `a${i}: users(page: { first: 100 }) { edges { node { id email } } }`).join(' ') + ' }',
    );
    expect(aliased).toBe(30 * page(100));
    expect(aliased).toBeGreaterThan(QUERY_LIMITS.cost);
  });

  it('let every query the dashboard sends and GraphiQL’s introspection through', async () => {
    const schema = await buildRosterSchema();
    const documents = webDocuments();
    expect(documents.length).toBeGreaterThan(5);
    const ops = operations(documents);
    for (const { name, document } of ops) {
      const limitErrors = validate(schema, document, queryLimitRules()).filter(
        (e) => e.extensions.code === 'QUERY_TOO_COMPLEX' || /limit/.test(e.message),
      );
      expect(
        limitErrors.map((e) => e.message),
        name,
      ).toEqual([]);
    }
    for (const { file, source } of documents) expect(() => parse(source, { maxTokens: QUERY_LIMITS.tokens }), file).not.toThrow();
    const introspection = parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), {
      maxTokens: QUERY_LIMITS.tokens,
    });
    expect(validate(schema, introspection, queryLimitRules())).toEqual([]);
  });
});
