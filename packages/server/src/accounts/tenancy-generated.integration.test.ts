import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  isCompositeType,
  isInputObjectType,
  isLeafType,
  isObjectType,
  type GraphQLNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { buildRosterSchema } from '../app/schema.js';
import { newId } from '../core/db/columns.js';
import { emptyCounts, SyncRunEntity, SyncRunState, SyncStage, SyncTrigger } from '../integrations/sync/sync-run.entity.js';
import { WebhookDeliveryEntity, WebhookDeliveryState } from '../webhooks/webhook-delivery.entity.js';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { subscribe } from '../../test/live-client.js';
import { Role, UserStatus } from './roles.js';
import { VaultItemEntity } from '../vault/vault-item.entity.js';

/**
 * Generated from the built schema: every operation that takes an id (as an argument or inside its input) is sent by
 * account A's owner with account B's id of the right kind. A new operation taking an id is covered without anyone
 * remembering to add it; an id whose kind cannot be told from its name fails the test until KIND_OF learns it.
 */

type Kind =
  | 'user'
  | 'company'
  | 'group'
  | 'importJob'
  | 'webhookEndpoint'
  | 'webhookDelivery'
  | 'integration'
  | 'syncRun'
  | 'account'
  | 'apiKey'
  | 'vaultItem';

/** The kind of record an id names: from the argument's own name, or for a bare `id` from the operation's name. */
function kindOf(operation: string, idName: string): Kind | undefined {
  const byName: Record<string, Kind> = {
    userIds: 'user',
    userId: 'user',
    actorId: 'user',
    targetId: 'user',
    companyId: 'company',
    groupId: 'group',
    groupIds: 'group',
    jobId: 'importJob',
    endpointId: 'webhookEndpoint',
    deliveryId: 'webhookDelivery',
    integrationId: 'integration',
    runId: 'syncRun',
    accountId: 'account',
    // A second factor belongs to a person, never to an account: another account's id of any kind must be NOT_FOUND.
    factorId: 'user',
    // A passkey ceremony's challenge belongs to a person (or to nobody yet), never to an account.
    challengeId: 'user',
  };
  if (idName !== 'id') return byName[idName];
  const byOperation: Array<[RegExp, Kind]> = [
    [/^user$/, 'user'],
    [/compan/i, 'company'],
    [/group/i, 'group'],
    [/importJob/i, 'importJob'],
    [/webhook/i, 'webhookEndpoint'],
    [/syncRun/i, 'syncRun'],
    [/integration|scimToken/i, 'integration'],
    [/apiKey/i, 'apiKey'],
    [/vault/i, 'vaultItem'],
    // A session belongs to a person, never to an account: another account's id of any kind must be NOT_FOUND.
    [/session/i, 'user'],
  ];
  return byOperation.find(([pattern]) => pattern.test(operation))?.[1];
}

interface IdCase {
  root: 'Query' | 'Mutation' | 'Subscription';
  field: GraphQLField<unknown, unknown>;
  /** The id's place: the argument, then input fields. */
  path: string[];
  list: boolean;
  kind: Kind | undefined;
}

function idCases(schema: GraphQLSchema): IdCase[] {
  const cases: IdCase[] = [];
  const roots = { Query: schema.getQueryType(), Mutation: schema.getMutationType(), Subscription: schema.getSubscriptionType() };
  for (const [root, type] of Object.entries(roots) as Array<[IdCase['root'], (typeof roots)['Query']]>) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const walk = (path: string[], inputType: GraphQLInputType, seen: Set<string>) => {
        const named = getNamedType(inputType);
        if (named.name === 'ID') {
          const list = unwrapNonNull(inputType) instanceof GraphQLList;
          cases.push({ root, field, path, list, kind: kindOf(field.name, path[path.length - 1]!) });
        } else if (isInputObjectType(named) && !seen.has(named.name)) {
          for (const inner of Object.values(named.getFields())) walk([...path, inner.name], inner.type, new Set([...seen, named.name]));
        }
      };
      for (const arg of field.args) walk([arg.name], arg.type, new Set());
    }
  }
  return cases;
}

interface OwnIds {
  operation: string;
  ids: Record<Kind, string>;
}

const unwrapNonNull = (type: GraphQLInputType): GraphQLInputType => (type instanceof GraphQLNonNull ? type.ofType : type);

/** A value that passes validation for a required input the case does not aim at. */
function placeholder(type: GraphQLInputType, own: OwnIds): unknown {
  if (type instanceof GraphQLNonNull) return placeholder(type.ofType, own);
  if (type instanceof GraphQLList) return [placeholder(type.ofType, own)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]!.name;
  if (type instanceof GraphQLInputObjectType) {
    const value: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (!(f.type instanceof GraphQLNonNull) || f.defaultValue !== undefined) continue;
      // Another id in the same input is the caller's own record of that kind, so only the aimed-at id is foreign.
      const kind = getNamedType(f.type).name === 'ID' ? kindOf(own.operation, f.name) : undefined;
      value[f.name] = kind ? (unwrapNonNull(f.type) instanceof GraphQLList ? [own.ids[kind]] : own.ids[kind]) : placeholder(f.type, own);
    }
    return value;
  }
  const scalar = type as GraphQLScalarType;
  if (scalar.name === 'Int' || scalar.name === 'Float') return 1;
  if (scalar.name === 'Boolean') return false;
  if (/date|time/i.test(scalar.name)) return '2031-01-01T00:00:00.000Z';
  if (/json/i.test(scalar.name)) return {};
  return 'tenancy-probe@alpha.test';
}

/** The variables of one case: every required input filled in, and the aimed-at id set to the foreign one. */
function variablesFor(testCase: IdCase, foreignId: string, ownIds: Record<Kind, string>): Record<string, unknown> {
  const own: OwnIds = { operation: testCase.field.name, ids: ownIds };
  const variables: Record<string, unknown> = {};
  for (const arg of testCase.field.args) {
    if (arg.name !== testCase.path[0] && !(arg.type instanceof GraphQLNonNull)) continue;
    variables[arg.name] =
      arg.name === testCase.path[0] ? aim(arg.type, testCase.path.slice(1), foreignId, own) : placeholder(arg.type, own);
  }
  return variables;
}

function aim(type: GraphQLInputType, rest: string[], foreignId: string, own: OwnIds): unknown {
  const inner = unwrapNonNull(type);
  if (rest.length === 0) return inner instanceof GraphQLList ? [foreignId] : foreignId;
  const object = getNamedType(inner) as GraphQLInputObjectType;
  const value = placeholder(object, own) as Record<string, unknown>;
  value[rest[0]!] = aim(object.getFields()[rest[0]!]!.type, rest.slice(1), foreignId, own);
  return value;
}

function documentFor(testCase: IdCase): string {
  const args = (testCase.field.args as readonly GraphQLArgument[]).filter(
    (a) => a.name === testCase.path[0] || a.type instanceof GraphQLNonNull,
  );
  const declared = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = selectionOf(getNamedType(testCase.field.type), 3);
  const keyword = testCase.root === 'Query' ? 'query' : testCase.root === 'Mutation' ? 'mutation' : 'subscription';
  return `${keyword}${declared ? `(${declared})` : ''} { ${testCase.field.name}${passed ? `(${passed})` : ''}${selection} }`;
}

/** Every field reachable without arguments, a few levels deep: what the answer could leak is what is asked. */
function selectionOf(type: GraphQLNamedType, depth: number): string {
  if (!isObjectType(type)) return isCompositeType(type) ? ' { __typename }' : '';
  const fields: string[] = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => a.type instanceof GraphQLNonNull)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) fields.push(field.name);
    else if (depth > 1 && isObjectType(named)) fields.push(`${field.name}${selectionOf(named, depth - 1)}`);
  }
  return ` { ${fields.join(' ')} }`;
}

/** Every row of every table that holds account B's data, to compare before and after the attempts. */
async function snapshotOf(roster: TestRoster, accountId: string): Promise<string> {
  const tables: Record<string, unknown[]> = {};
  for (const metadata of roster.dataSource.entityMetadatas) {
    if (!metadata.columns.some((c) => c.propertyName === 'accountId')) continue;
    const rows = await roster.dataSource.getRepository(metadata.target).find({
      where: { accountId } as never,
      order: Object.fromEntries(metadata.primaryColumns.map((c) => [c.propertyName, 'ASC'])) as never,
    });
    tables[metadata.tableName] = rows;
  }
  return JSON.stringify(tables);
}

/** The `extensions.field` a refusal of the aimed-at id names: the input path without the argument `input`. */
const aimedField = (testCase: IdCase): string => testCase.path.join('.');

/** What account A's owner may get back for B's id: a refusal, or an empty answer (a filter matching nothing). */
const REFUSAL_CODES = ['NOT_FOUND', 'FORBIDDEN'];

describe('generated tenancy cases', () => {
  it('tell the kind of every id the schema takes', async () => {
    const unknown = idCases(await buildRosterSchema())
      .filter((c) => !c.kind)
      .map((c) => `${c.root}.${c.field.name}(${c.path.join('.')})`);
    expect(unknown, 'teach kindOf() in this file what these ids name').toEqual([]);
  });
});

describe.each(dialects)("every operation taking an id, with another account's id (%s)", (dialect) => {
  let roster: TestRoster;
  let ownerOfA: TestClient;
  let alpha: SeededAccount;
  let bravo: SeededAccount;
  let cases: IdCase[];

  beforeAll(async () => {
    // Generous rate limits: this test sends one operation per id on purpose.
    roster = await startTestRoster(dialect, {
      rateLimits: { ...loadConfig({}).rateLimits, perApiKeyPerMinute: 100_000, perIpPerMinute: 100_000 },
    });
    cases = idCases(await buildRosterSchema());
    alpha = await anAccountWithOneOfEach(roster, 'alpha');
    bravo = await anAccountWithOneOfEach(roster, 'bravo');
    ownerOfA = alpha.owner;
  });
  afterAll(() => roster?.close());

  it('refuses or answers nothing for each, never shows any of B, and leaves every row of B as it was', async () => {
    const before = await snapshotOf(roster, bravo.accountId);
    const surprises: string[] = [];
    let tried = 0;
    for (const testCase of cases.filter((c) => c.root !== 'Subscription')) {
      const name = `${testCase.root}.${testCase.field.name}(${testCase.path.join('.')})`;
      const result = await ownerOfA.gql(documentFor(testCase), variablesFor(testCase, bravo.ids[testCase.kind!], alpha.ids));
      tried++;
      const text = JSON.stringify(result);
      if (/bravo/i.test(text)) surprises.push(`${name} answered with B's data: ${text.slice(0, 300)}`);
      const code = result.errors?.[0]?.extensions?.code as string | undefined;
      const field = result.errors?.[0]?.extensions?.field as string | undefined;
      // A refusal about another input (a placeholder) would prove nothing about the foreign id.
      const refused = code !== undefined && REFUSAL_CODES.includes(code) && (field === undefined || field === aimedField(testCase));
      const emptyOrPerItemRefusal = !result.errors && refusedPerItemOrEmpty(result.data);
      if (!refused && !emptyOrPerItemRefusal) surprises.push(`${name} was neither refused nor empty: ${text.slice(0, 300)}`);
    }
    expect(surprises).toEqual([]);
    expect(tried).toBeGreaterThan(40);
    expect(await snapshotOf(roster, bravo.accountId)).toBe(before);
  });

  it("refuses a live subscription to another account's records", async () => {
    const live = cases.filter((c) => c.root === 'Subscription');
    expect(live.length).toBeGreaterThan(0);
    for (const testCase of live) {
      const subscription = subscribe(
        roster.url,
        ownerOfA.cookie,
        documentFor(testCase),
        variablesFor(testCase, bravo.ids[testCase.kind!], alpha.ids),
      );
      const deadline = Date.now() + 15_000;
      while (subscription.errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(JSON.stringify(subscription.errors), testCase.field.name).toMatch(/NOT_FOUND|FORBIDDEN/);
      expect(subscription.events).toEqual([]);
      await subscription.dispose();
    }
  });
});

/**
 * An answer without errors is acceptable only when it carries nothing: an empty list, or per-item results that are
 * all refusals (bulk mutations answer each id on its own).
 */
function refusedPerItemOrEmpty(data: unknown): boolean {
  const payload = data && typeof data === 'object' ? Object.values(data)[0] : data;
  if (payload === null || payload === undefined) return false;
  const text = JSON.stringify(payload);
  if (/"totalCount":0|"edges":\[\]/.test(text)) return true;
  const results = (payload as { results?: Array<{ ok?: boolean; code?: string }> }).results;
  return Array.isArray(results) && results.length > 0 && results.every((r) => r.ok === false && REFUSAL_CODES.includes(String(r.code)));
}

interface SeededAccount {
  accountId: string;
  owner: TestClient;
  ids: Record<Kind, string>;
}

/** An account with an owner signed in and one record of every kind an id can name, each carrying the account's marker. */
async function anAccountWithOneOfEach(roster: TestRoster, marker: string): Promise<SeededAccount> {
  const build = builders(roster.dataSource);
  const account = await build.anAccount({ name: `${marker} MSP` });
  const company = await build.aCompany(account.id, `${marker} Client`);
  const group = await build.aGroup(account.id, `${marker} Team`);
  const owner = await build.aUser(account.id, {
    email: `owner@${marker}.test`,
    name: `${marker} Owner`,
    role: Role.OWNER,
    password: `${marker}-owner-pass`,
  });
  const pending = await build.aUser(account.id, {
    email: `pending@${marker}.test`,
    name: `${marker} Pending`,
    status: UserStatus.INVITED,
    companyId: company.id,
    groupIds: [group.id],
  });
  const integration = await build.aScimIntegration(account.id, {}, { name: `${marker} SCIM` });
  const client = new TestClient(roster.url);
  await client.signIn(`owner@${marker}.test`, `${marker}-owner-pass`);
  const preview = await client.gql('mutation($input: PreviewImportInput!) { previewImport(input: $input) { job { id } } }', {
    input: { rows: [{ email: `imported@${marker}.test`, name: `${marker} Imported` }] },
  });
  const apiKey = await client.gql('mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }', {
    input: { name: `${marker} key`, scopes: ['users:read'] },
  });
  const now = new Date();
  const endpoint: WebhookEndpointEntity = {
    id: newId(),
    accountId: account.id,
    url: `https://hooks.${marker}.test/roster`,
    description: `${marker} hook`,
    events: '["user.invited"]',
    sealedSecret: 'sealed',
    secretPrefix: 'whsec_xx',
    enabled: true,
    createdByPersonId: owner.personId,
    createdAt: now,
    updatedAt: now,
    secretRolledAt: null,
  };
  await roster.dataSource.getRepository(WebhookEndpointEntity).insert(endpoint);
  const delivery: WebhookDeliveryEntity = {
    id: newId(),
    accountId: account.id,
    endpointId: endpoint.id,
    eventId: newId(),
    eventType: 'user.invited',
    payload: JSON.stringify({ marker }),
    state: WebhookDeliveryState.SUCCEEDED,
    attempts: 1,
    nextAttemptAt: now,
    leaseOwner: null,
    leaseUntil: null,
    responseStatus: 200,
    responseBody: 'ok',
    durationMs: 1,
    lastError: null,
    createdAt: now,
    lastAttemptAt: now,
    deliveredAt: now,
  };
  await roster.dataSource.getRepository(WebhookDeliveryEntity).insert(delivery);
  const run: SyncRunEntity = {
    id: newId(),
    accountId: account.id,
    integrationId: integration.id,
    activeKey: integration.id,
    trigger: SyncTrigger.MANUAL,
    state: SyncRunState.AWAITING_CONFIRMATION,
    dryRun: false,
    stage: SyncStage.REMOVALS,
    removalsConfirmed: false,
    pendingSuspensions: 1,
    counts: JSON.stringify(emptyCounts()),
    itemCount: 0,
    error: null,
    requestedBy: owner.personId,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    cursor: null,
  };
  await roster.dataSource.getRepository(SyncRunEntity).insert(run);
  const vaultItem: VaultItemEntity = {
    id: newId(),
    accountId: account.id,
    companyId: company.id,
    name: `${marker} firewall`,
    username: `${marker}-admin`,
    url: null,
    sealedPassword: 'v1.sealed',
    sealedNotes: null,
    sealedTotpSecret: null,
    integrationId: null,
    upstreamId: null,
    upstreamDigest: null,
    upstreamSeenAt: null,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await roster.dataSource.getRepository(VaultItemEntity).insert(vaultItem);
  return {
    accountId: account.id,
    owner: client,
    ids: {
      user: pending.id,
      company: company.id,
      group: group.id,
      importJob: preview.data!.previewImport.job.id,
      webhookEndpoint: endpoint.id,
      webhookDelivery: delivery.id,
      integration: integration.id,
      syncRun: run.id,
      account: account.id,
      apiKey: apiKey.data!.createApiKey.apiKey.id,
      vaultItem: vaultItem.id,
    },
  };
}
