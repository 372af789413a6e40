import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { Role } from '../../accounts/roles.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { createKey, gqlWithKey } from '../../../test/api-key-client.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeyService, LAST_USED_RESOLUTION_MS } from './api-key.service.js';

const LIST_KEYS = '{ apiKeys { totalCount edges { node { id name prefix scopes createdBy expiresAt lastUsedAt revokedAt active } } } }';

describe.each(dialects)('API keys (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let otherAdmin: TestClient;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Keyed MSP' });
    const other = await build.anAccount({ name: 'Other MSP' });
    accountId = account.id;
    await build.aUser(account.id, { email: 'keys-admin@keyed.test', name: 'Kim Keys', role: Role.ADMIN, password: 'pw-keys' });
    await build.aUser(account.id, { email: 'member@keyed.test', role: Role.MEMBER });
    await build.aUser(other.id, { email: 'admin@other.test', role: Role.ADMIN, password: 'pw-other' });
    await build.aUser(other.id, { email: 'secret-user@other.test' });
    admin = new TestClient(roster.url);
    expect((await admin.signIn('keys-admin@keyed.test', 'pw-keys')).errors).toBeUndefined();
    otherAdmin = new TestClient(roster.url);
    expect((await otherAdmin.signIn('admin@other.test', 'pw-other')).errors).toBeUndefined();
  });
  afterAll(() => roster?.close());

  it('shows the secret once, stores only its SHA-256, and lists the key by prefix, scopes and creator', async () => {
    const created = await admin.gql(
      'mutation { createApiKey(input: { name: " PSA  sync ", scopes: ["users:read", "users:read", "invitations:write"] }) { secret apiKey { id name prefix scopes createdBy active } } }',
    );
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(/^rst_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'PSA sync', scopes: ['users:read', 'invitations:write'], createdBy: 'Kim Keys', active: true });
    expect(secret.startsWith(`rst_${apiKey.prefix}_`)).toBe(true);

    const row = await roster.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id: apiKey.id });
    expect(JSON.stringify(row)).not.toContain(secret.slice(17));
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);

    const list = await admin.gql(LIST_KEYS);
    const listed = list.data!.apiKeys.edges.map((e: any) => e.node).find((k: any) => k.id === apiKey.id);
    expect(listed).toMatchObject({ prefix: apiKey.prefix, lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify(list.data)).not.toContain(secret.slice(17));

    const audit = await roster.dataSource
      .getRepository(AuditEventEntity)
      .findOneByOrFail({ action: 'api_key.created', targetId: apiKey.id });
    expect(audit).toMatchObject({ accountId, actorType: 'PERSON' });
  });

  it('lists every scope with a description for the Settings page', async () => {
    const scopes = await admin.gql('{ apiScopes { name description } }');
    const names = scopes.data!.apiScopes.map((s: any) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['users:read', 'users:write', 'invitations:write', 'imports:write', 'integrations:read', 'audit:read']),
    );
    for (const scope of scopes.data!.apiScopes) expect(scope.description.length).toBeGreaterThan(10);
  });

  it('authenticates a Bearer key as its account, and records changes it makes as made by the key', async () => {
    const key = await createKey(admin, ['users:read', 'invitations:write']);
    const users = await gqlWithKey(roster.url, `Bearer ${key.secret}`, '{ users { totalCount edges { node { email } } } }');
    expect(users.errors).toBeUndefined();
    const emails = users.data!.users.edges.map((e: any) => e.node.email);
    expect(emails).toContain('member@keyed.test');
    expect(emails).not.toContain('secret-user@other.test');

    const invited = await gqlWithKey(
      roster.url,
      `Bearer ${key.secret}`,
      'mutation { inviteUsers(input: { addresses: "by-key@keyed.test" }) { invitedCount } }',
    );
    expect(invited.errors).toBeUndefined();
    expect(invited.data!.inviteUsers.invitedCount).toBe(1);
    const audit = await roster.dataSource
      .getRepository(AuditEventEntity)
      .findOneByOrFail({ action: 'user.invited', targetEmail: 'by-key@keyed.test' });
    expect(audit).toMatchObject({ actorType: 'API_KEY', actorId: key.id });
  });

  it('refuses a field outside the key’s scopes with FORBIDDEN naming the scope, before anything runs', async () => {
    const key = await createKey(admin, ['users:read']);
    const refused = await gqlWithKey(
      roster.url,
      `Bearer ${key.secret}`,
      'mutation { inviteUsers(input: { addresses: "never@keyed.test" }) { invitedCount } }',
    );
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'invitations:write', field: 'inviteUsers' });
    expect(refused.errors?.[0]?.message).toMatch(/invitations:write/);
    expect(await roster.dataSource.getRepository(MembershipEntity).findOneBy({ email: 'never@keyed.test' })).toBeNull();
  });

  it('never lets a key manage keys or act as a session', async () => {
    const key = await createKey(admin, ['users:read', 'users:write']);
    const mint = await gqlWithKey(
      roster.url,
      `Bearer ${key.secret}`,
      'mutation { createApiKey(input: { name: "escalate", scopes: ["users:write"] }) { secret } }',
    );
    expect(mint.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SESSION_REQUIRED' });
    const list = await gqlWithKey(roster.url, `Bearer ${key.secret}`, LIST_KEYS);
    expect(list.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'SESSION_REQUIRED' });
  });

  it('answers malformed, unknown, revoked and expired keys with 401 and a distinct reason', async () => {
    const cases: Array<[string, string]> = [
      ['Basic dXNlcjpwYXNz', 'API_KEY_MALFORMED'],
      ['Bearer not-a-roster-key', 'API_KEY_MALFORMED'],
      [`Bearer rst_000000000000_${'A'.repeat(43)}`, 'API_KEY_UNKNOWN'],
    ];
    const good = await createKey(admin, ['users:read']);
    // The right prefix with a wrong secret is unknown too: the hash decides, not the prefix.
    cases.push([`Bearer ${good.secret.slice(0, 17)}${'B'.repeat(43)}`, 'API_KEY_UNKNOWN']);

    const revoked = await createKey(admin, ['users:read']);
    const revoke = await admin.gql('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt active } } }', {
      id: revoked.id,
    });
    expect(revoke.data!.revokeApiKey.apiKey.active).toBe(false);
    cases.push([`Bearer ${revoked.secret}`, 'API_KEY_REVOKED']);

    const expiring = await createKey(admin, ['users:read'], { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await roster.dataSource.getRepository(ApiKeyEntity).update({ id: expiring.id }, { expiresAt: new Date(Date.now() - 1000) });
    cases.push([`Bearer ${expiring.secret}`, 'API_KEY_EXPIRED']);

    for (const [header, reason] of cases) {
      const result = await gqlWithKey(roster.url, header, '{ users { totalCount } }');
      expect(result.status, reason).toBe(401);
      expect(result.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
      expect(result.data).toBeNull();
    }
    expect((await gqlWithKey(roster.url, `Bearer ${good.secret}`, '{ users { totalCount } }')).status).toBe(200);
  });

  it('stops a key working when its creator is no longer an administrator', async () => {
    const build = builders(roster.dataSource);
    const temp = await build.aUser(accountId, { email: 'temp-admin@keyed.test', role: Role.ADMIN, password: 'pw-temp' });
    const client = new TestClient(roster.url);
    await client.signIn('temp-admin@keyed.test', 'pw-temp');
    const key = await createKey(client, ['users:read']);
    expect((await gqlWithKey(roster.url, `Bearer ${key.secret}`, '{ users { totalCount } }')).errors).toBeUndefined();
    await roster.dataSource.getRepository(MembershipEntity).update({ id: temp.id }, { role: Role.MEMBER });
    const refused = await gqlWithKey(roster.url, `Bearer ${key.secret}`, '{ users { totalCount } }');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_CREATOR_INACTIVE' });
  });

  it('keeps keys inside their account: another account cannot see or revoke them', async () => {
    const key = await createKey(admin, ['users:read']);
    const list = await otherAdmin.gql(LIST_KEYS);
    expect(list.data!.apiKeys.edges.map((e: any) => e.node.id)).not.toContain(key.id);
    const revoke = await otherAdmin.gql('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }', { id: key.id });
    expect(errorCode(revoke)).toBe('NOT_FOUND');
    expect((await gqlWithKey(roster.url, `Bearer ${key.secret}`, '{ users { totalCount } }')).errors).toBeUndefined();
  });

  it('is for administrators only, and validates its input naming the field', async () => {
    const build = builders(roster.dataSource);
    await build.aUser(accountId, { email: 'plain@keyed.test', role: Role.MEMBER, password: 'pw-plain' });
    const member = new TestClient(roster.url);
    await member.signIn('plain@keyed.test', 'pw-plain');
    expect(errorCode(await member.gql('mutation { createApiKey(input: { name: "x", scopes: ["users:read"] }) { secret } }'))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await member.gql(LIST_KEYS))).toBe('FORBIDDEN');

    const bad = async (input: string) => (await admin.gql(`mutation { createApiKey(input: ${input}) { secret } }`)).errors?.[0]?.extensions;
    expect(await bad('{ name: "  ", scopes: ["users:read"] }')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect(await bad(`{ name: "${'n'.repeat(101)}", scopes: ["users:read"] }`)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.name',
    });
    expect(await bad('{ name: "x", scopes: [] }')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scopes' });
    expect(await bad('{ name: "x", scopes: ["users:delete-everything"] }')).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.scopes',
    });
    expect(await bad('{ name: "x", scopes: ["users:read"], expiresAt: "2001-01-01T00:00:00Z" }')).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.expiresAt',
    });
  });

  it('records last use at most once a minute per key, not once per request', async () => {
    const key = await createKey(admin, ['users:read']);
    let now = new Date('2030-01-01T10:00:00Z');
    const service = new ApiKeyService(roster.dataSource, () => now);
    const lastUsed = async () =>
      (await roster.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id: key.id })).lastUsedAt?.toISOString();

    const writes = vi.spyOn(roster.dataSource.getRepository(ApiKeyEntity), 'update');
    for (let i = 0; i < 20; i++) expect((await service.authenticate(`Bearer ${key.secret}`)).viewer).not.toBeNull();
    expect(await lastUsed()).toBe('2030-01-01T10:00:00.000Z');
    now = new Date(now.getTime() + LAST_USED_RESOLUTION_MS - 1000);
    for (let i = 0; i < 20; i++) await service.authenticate(`Bearer ${key.secret}`);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(await lastUsed()).toBe('2030-01-01T10:00:00.000Z');
    now = new Date('2030-01-01T10:01:00.500Z');
    await service.authenticate(`Bearer ${key.secret}`);
    expect(writes).toHaveBeenCalledTimes(2);
    writes.mockRestore();
    expect(await lastUsed()).toBe('2030-01-01T10:01:00.500Z');
  });
});
