import { describe, expect, it } from 'vitest';
import {
  buildSchema,
  execute,
  GraphQLError,
  GraphQLScalarType,
  parse,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
} from 'graphql';
import { GraphQLExecutor } from './graphql-executor.js';

/** A small schema with what Roster's answers go through: lists of non-null objects, enums, a date scalar, errors with codes. */
const schema = buildSchema(/* GraphQL */ `
  scalar DateTimeISO
  enum Role {
    OWNER
    ADMIN
    MEMBER
  }
  input PageArgs {
    first: Int
    after: String
  }
  type Company {
    id: ID!
    name: String!
  }
  type User {
    id: ID!
    email: String!
    role: Role!
    createdAt: DateTimeISO!
    company: Company
    secret: String
    strict: String!
    groups: [String!]
  }
  type Query {
    users(page: PageArgs): [User!]!
    maybeUsers: [User!]
    count(step: Int!): Int!
  }
  type Mutation {
    bump: Int!
  }
`);

const dateScalar = schema.getType('DateTimeISO') as GraphQLScalarType;
Object.assign(dateScalar, new GraphQLScalarType({ name: 'DateTimeISO', serialize: (value) => (value as Date).toISOString() }));

const people = [
  { id: 'u1', email: 'a@x.test', role: 'ADMIN', createdAt: new Date(0), companyId: 'c1', groups: ['g'] },
  { id: 'u2', email: 'b@x.test', role: 'MEMBER', createdAt: new Date(1000), companyId: null, groups: ['g', null] },
];
let bumps = 0;

function resolve(type: string, field: string, resolver: GraphQLFieldResolver<any, any>): void {
  (schema.getType(type) as GraphQLObjectType).getFields()[field]!.resolve = resolver;
}
resolve('Query', 'users', async (_root, args: { page?: { first?: number } }) => people.slice(0, args.page?.first ?? people.length));
resolve('Query', 'maybeUsers', () => people);
resolve('Query', 'count', (_root, args: { step: number }) => args.step * 2);
resolve('Mutation', 'bump', () => ++bumps);
resolve('User', 'company', (user) => (user.companyId ? { id: user.companyId, name: 'Contoso' } : null));
resolve('User', 'secret', (user) => {
  if (user.id === 'u2') throw new GraphQLError('You may not see this.', { extensions: { code: 'FORBIDDEN', reason: 'ROLE' } });
  return 'visible';
});
resolve('User', 'strict', async (user) => {
  if (user.id === 'u2') throw new Error('SQL exploded at 10.0.0.3');
  return 'fine';
});

/** What a client sees of an answer, plus the class and code of what each error wraps (Roster's masking reads them). */
function observed(result: ExecutionResult) {
  return {
    data: result.data,
    errors: result.errors?.map((error) => ({
      json: error.toJSON(),
      isGraphQLError: error instanceof GraphQLError,
      original: error.originalError ? { kind: error.originalError.constructor.name, message: error.originalError.message } : null,
    })),
  };
}

async function both(query: string, variables?: Record<string, unknown>, executor = new GraphQLExecutor(schema)) {
  const document = parse(query);
  const expected = await execute({ schema, document, variableValues: variables, contextValue: {} });
  const actual = await executor.execute({ document, documentKey: query, variables, contextValue: {} });
  return { expected: observed(expected), actual: observed(actual) };
}

describe('GraphQLExecutor answers as graphql-js does', () => {
  it('gives the same data for lists, enums, scalars, aliases, fragments and __typename', async () => {
    const { expected, actual } = await both(
      'query Page { users(page: { first: 2 }) { ...U who: email __typename company { name } } } fragment U on User { id role createdAt }',
    );
    expect(expected.errors).toBeUndefined();
    expect(actual).toEqual(expected);
  });

  it('keeps a coded error at its list index with its extensions, and the rest of the page', async () => {
    const { expected, actual } = await both('{ users { id secret } }');
    expect(expected.errors?.[0]?.json.extensions).toEqual({ code: 'FORBIDDEN', reason: 'ROLE' });
    expect(expected.errors?.[0]?.json.path).toEqual(['users', 1, 'secret']);
    expect(actual).toEqual(expected);
  });

  it('nulls the nearest nullable parent when a non-null field fails, keeping the original error to be masked', async () => {
    const nonNullList = await both('{ users { id strict } }');
    expect(nonNullList.expected.data).toBeNull();
    expect(nonNullList.actual).toEqual(nonNullList.expected);

    const nullableList = await both('{ maybeUsers { id strict } }');
    expect(nullableList.expected.data).toEqual({ maybeUsers: null });
    expect(nullableList.expected.errors?.[0]?.original).toEqual({ kind: 'Error', message: 'SQL exploded at 10.0.0.3' });
    expect(nullableList.actual).toEqual(nullableList.expected);
  });

  it('reports every error of a subtree that a failing non-null field nulls, in the same order', async () => {
    const { expected, actual } = await both('{ maybeUsers { id secret strict company { name } } }');
    expect(expected.errors).toHaveLength(2);
    expect(actual).toEqual(expected);
  });

  it('reports a null in a list of non-null items as graphql-js does', async () => {
    const { expected, actual } = await both('{ users { groups } }');
    expect(expected.errors).toHaveLength(1);
    expect(actual).toEqual(expected);
  });

  it('refuses bad or missing variables with the errors graphql-js gives (Apollo answers them 400 BAD_USER_INPUT)', async () => {
    const query = 'query Count($step: Int!) { count(step: $step) }';
    for (const variables of [{ step: 'two' }, {}, { step: null }]) {
      const { expected, actual } = await both(query, variables);
      expect(expected.errors).toHaveLength(1);
      expect(actual).toEqual(expected);
    }
    const ok = await both(query, { step: 21 });
    expect(ok.actual).toEqual({ data: { count: 42 }, errors: undefined });
  });

  it('compiles plain queries and leaves mutations, @skip/@include and introspection to graphql-js', async () => {
    const executor = new GraphQLExecutor(schema);
    const engine = (query: string) => executor.engineFor({ document: parse(query), documentKey: query, contextValue: {} });
    expect(engine('{ users { id } }')).toBe('graphql-jit');
    expect(engine('mutation { bump }')).toBe('graphql-js');
    expect(engine('query ($all: Boolean!) { users { id email @include(if: $all) } }')).toBe('graphql-js');
    expect(engine('{ __schema { queryType { name } } }')).toBe('graphql-js');

    const before = bumps;
    const mutation = await executor.execute({ document: parse('mutation { a: bump b: bump }'), documentKey: 'm', contextValue: {} });
    expect(mutation.data).toEqual({ a: before + 1, b: before + 2 });
    const skipped = await both('query ($all: Boolean!) { users { id email @include(if: $all) } }', { all: false }, executor);
    expect(skipped.actual).toEqual(skipped.expected);
  });

  it('keeps at most its limit of compiled documents', async () => {
    const executor = new GraphQLExecutor(schema, 2);
    for (const query of ['{ users { id } }', '{ users { email } }', '{ users { role } }']) {
      await executor.execute({ document: parse(query), documentKey: query, contextValue: {} });
    }
    expect(executor.cachedDocuments).toBe(2);
  });
});
