import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  isCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import { buildRosterSchema } from '../../app/schema.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { createKey, gqlWithKey } from '../../../test/api-key-client.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { ALL_SCOPES, FIELD_ACCESS, accessOf } from './scopes.js';

const ROOTS = ['Query', 'Mutation', 'Subscription'] as const;

function rootFields(schema: GraphQLSchema): Array<{ root: (typeof ROOTS)[number]; field: GraphQLField<unknown, unknown> }> {
  const types = { Query: schema.getQueryType(), Mutation: schema.getMutationType(), Subscription: schema.getSubscriptionType() };
  return ROOTS.flatMap((root) => Object.values(types[root]?.getFields() ?? {}).map((field) => ({ root, field })));
}

/** A value of the input type that passes validation: what the gate sees is the field, not the arguments. */
function placeholder(type: GraphQLInputType): string {
  if (type instanceof GraphQLNonNull) return placeholder(type.ofType);
  if (type instanceof GraphQLList) return `[${placeholder(type.ofType)}]`;
  if (type instanceof GraphQLEnumType) return type.getValues()[type.getValues().length - 1]!.name;
  if (type instanceof GraphQLInputObjectType) {
    const required = Object.values(type.getFields()).filter((f) => f.type instanceof GraphQLNonNull && f.defaultValue === undefined);
    return `{ ${required.map((f) => `${f.name}: ${placeholder(f.type)}`).join(', ')} }`;
  }
  const scalar = type as GraphQLScalarType;
  if (scalar.name === 'Int' || scalar.name === 'Float') return '1';
  if (scalar.name === 'Boolean') return 'false';
  if (/date|time/i.test(scalar.name)) return '"2031-01-01T00:00:00.000Z"';
  if (scalar.name === 'JSON' || scalar.name === 'JSONObject') return '{}';
  return '"00000000-0000-4000-8000-000000000000"';
}

function operationFor(root: 'Query' | 'Mutation', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => a.type instanceof GraphQLNonNull).map((a) => `${a.name}: ${placeholder(a.type)}`);
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${root === 'Query' ? 'query' : 'mutation'} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
}

describe('scope declarations', () => {
  it('give every Query, Mutation and Subscription field of the schema an access rule', async () => {
    const schema = await buildRosterSchema();
    const missing = rootFields(schema)
      .filter(({ root, field }) => accessOf(root, field.name) === undefined)
      .map(({ root, field }) => `${root}.${field.name}`);
    expect(missing, 'add these to FIELD_ACCESS in auth/api-keys/scopes.ts').toEqual([]);
  });

  it('name only fields that exist and scopes that exist', async () => {
    const schema = await buildRosterSchema();
    const existing = new Set(rootFields(schema).map(({ root, field }) => `${root}.${field.name}`));
    expect(Object.keys(FIELD_ACCESS).filter((name) => !existing.has(name))).toEqual([]);
    for (const access of Object.values(FIELD_ACCESS)) if (typeof access === 'object') expect(ALL_SCOPES).toContain(access.scope);
  });
});

describe.each(dialects)('scope enforcement over HTTP (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    // Generous rate limits: this test sends a few hundred operations on purpose.
    roster = await startTestRoster(dialect, {
      rateLimits: { perApiKeyPerMinute: 100_000, perSessionPerMinute: 100_000, perIpPerMinute: 100_000 },
    });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'scopes@msp.test', role: Role.OWNER, password: 'pw-scopes' });
    admin = new TestClient(roster.url);
    await admin.signIn('scopes@msp.test', 'pw-scopes');
    schema = await buildRosterSchema();
  });
  afterAll(() => roster?.close());

  it('refuses every scoped query and mutation to a key holding every other scope, naming the missing scope', async () => {
    const keys = new Map<string, string>();
    for (const scope of ALL_SCOPES)
      keys.set(
        scope,
        (
          await createKey(
            admin,
            ALL_SCOPES.filter((s) => s !== scope),
            { name: `all but ${scope}` },
          )
        ).secret,
      );
    let checked = 0;
    for (const { root, field } of rootFields(schema)) {
      if (root === 'Subscription') continue;
      const access = accessOf(root, field.name);
      if (typeof access !== 'object') continue;
      const result = await gqlWithKey(roster.url, `Bearer ${keys.get(access.scope)}`, operationFor(root, field));
      expect(result.errors?.[0]?.extensions, `${root}.${field.name}`).toMatchObject({
        code: 'FORBIDDEN',
        requiredScope: access.scope,
        field: field.name,
      });
      expect(result.status).toBe(403);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('lets a key with just the declared scope past the gate for every scoped query and mutation', async () => {
    const keys = new Map<string, string>();
    for (const scope of ALL_SCOPES) keys.set(scope, (await createKey(admin, [scope], { name: `only ${scope}` })).secret);
    for (const { root, field } of rootFields(schema)) {
      if (root === 'Subscription') continue;
      const access = accessOf(root, field.name);
      if (typeof access !== 'object') continue;
      const result = await gqlWithKey(roster.url, `Bearer ${keys.get(access.scope)}`, operationFor(root, field));
      // The placeholder arguments may well be refused by the resolver (NOT_FOUND, BAD_USER_INPUT): that is past the gate.
      const gate = (result.errors ?? []).filter(
        (e) => e.extensions?.requiredScope || e.extensions?.reason === 'SESSION_REQUIRED' || e.extensions?.code === 'UNAUTHENTICATED',
      );
      expect(gate, `${root}.${field.name}`).toEqual([]);
    }
  });

  it('keeps session-only fields away from a key holding every scope', async () => {
    const key = (await createKey(admin, ALL_SCOPES, { name: 'everything' })).secret;
    for (const { root, field } of rootFields(schema)) {
      if (root === 'Subscription' || accessOf(root, field.name) !== 'SESSION') continue;
      const result = await gqlWithKey(roster.url, `Bearer ${key}`, operationFor(root, field));
      expect(result.errors?.[0]?.extensions, `${root}.${field.name}`).toMatchObject({ code: 'FORBIDDEN', reason: 'SESSION_REQUIRED' });
    }
  });

  it('gives a signed-in administrator every scope', async () => {
    const result = await admin.gql('mutation { createCompany(input: { name: "Session Co" }) { company { name } } }');
    expect(result.errors).toBeUndefined();
    const users = await admin.gql('{ users { totalCount } importJobs { totalCount } }');
    expect(users.errors).toBeUndefined();
  });

  it('checks fields reached through fragments and aliases too', async () => {
    const key = (await createKey(admin, ['users:read'], { name: 'reader' })).secret;
    const sneaky = await gqlWithKey(
      roster.url,
      `Bearer ${key}`,
      'mutation { ...M } fragment M on Mutation { harmless: createCompany(input: { name: "Nope" }) { company { id } } }',
    );
    expect(sneaky.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'users:write' });
    const inline = await gqlWithKey(
      roster.url,
      `Bearer ${key}`,
      'mutation { ... on Mutation { createCompany(input: { name: "Nope" }) { company { id } } } }',
    );
    expect(inline.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'users:write' });
  });
});
