import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { Role } from '../accounts/roles.js';
import { newId } from '../core/db/columns.js';
import { IntegrationEntity } from '../integrations/integration.entity.js';
import { recordAudit } from './audit.js';

const AUDIT = `query($page: PageArgs, $filter: AuditEventFilter) {
  auditEvents(page: $page, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id action actorType actorId targetId targetEmail details ip createdAt actor { type id name email } } }
  }
}`;

describe.each(dialects)('the audit log (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let other: TestClient;
  let accountId: string;
  let integrationId: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    const otherAccount = await build.anAccount();
    accountId = account.id;
    await build.aUser(account.id, { email: 'auditor@audit.test', name: 'Audrey Auditor', role: Role.ADMIN, password: 'audit-password' });
    await build.aUser(otherAccount.id, { email: 'admin@other.test', role: Role.ADMIN, password: 'other-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('auditor@audit.test', 'audit-password');
    other = new TestClient(roster.url);
    await other.signIn('admin@other.test', 'other-password');
    // Changes through the API (with the caller's IP) ...
    await admin.gql(
      `mutation { inviteUsers(input: { addresses: "one@example.test, two@example.test, =cmd|evil@example.test", sendEmail: false }) { invitedCount } }`,
    );
    await other.gql(`mutation { inviteUsers(input: { addresses: "theirs@example.test", sendEmail: false }) { invitedCount } }`);
    // ... and by an integration, in the background (no IP).
    integrationId = newId();
    const now = new Date();
    await roster.dataSource.getRepository(IntegrationEntity).insert({
      id: integrationId,
      accountId,
      type: 'MICROSOFT_ENTRA' as never,
      name: 'Contoso Entra',
      status: 'CONNECTED' as never,
      sealedCredentials: null,
      options: '{}',
      scimTokenHash: null,
      scimTokenPrefix: null,
      scimTokenRotatedAt: null,
      syncIntervalMinutes: null,
      lastSyncAt: null,
      nextSyncAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    } as unknown as IntegrationEntity);
    await roster.dataSource.transaction((manager) =>
      recordAudit(manager, accountId, { type: 'INTEGRATION', id: integrationId }, [
        { action: 'user.suspended', targetEmail: 'gone@example.test' },
      ]),
    );
  });
  afterAll(() => roster?.close());

  it('lists who did what to whom, when and from where, newest first, with names for actors', async () => {
    const result = await admin.gql(AUDIT);
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.auditEvents.edges.map((e: any) => e.node);
    expect(result.data!.auditEvents.totalCount).toBe(4);
    expect(nodes[0]).toMatchObject({
      action: 'user.suspended',
      actorType: 'INTEGRATION',
      ip: null,
      actor: { type: 'INTEGRATION', id: integrationId, name: 'Contoso Entra' },
    });
    const invited = nodes.filter((n: any) => n.action === 'user.invited');
    expect(invited.map((n: any) => n.targetEmail).sort()).toEqual(['=cmd|evil@example.test', 'one@example.test', 'two@example.test']);
    expect(invited[0]).toMatchObject({
      actorType: 'PERSON',
      actor: { type: 'PERSON', name: 'Audrey Auditor', email: 'auditor@audit.test' },
    });
    expect(invited[0].ip).toMatch(/127\.0\.0\.1/);
    expect(JSON.parse(invited[0].details)).toMatchObject({ sendEmail: false });
    const times = nodes.map((n: any) => Date.parse(n.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('resolves actors in one batch per kind, however long the page', async () => {
    roster.resetQueryCount();
    await admin.gql(AUDIT, { page: { first: 100 } });
    const withActors = roster.queryCount();
    roster.resetQueryCount();
    await admin.gql(AUDIT.replace(' actor { type id name email }', ''), { page: { first: 100 } });
    // People and integrations: two extra queries for four events.
    expect(withActors - roster.queryCount()).toBe(2);
  });

  it('filters by action, actor type, actor, target, text and time, and pages without gaps', async () => {
    const byAction = await admin.gql(AUDIT, { filter: { actions: ['user.suspended'] } });
    expect(byAction.data!.auditEvents.totalCount).toBe(1);
    const byActorType = await admin.gql(AUDIT, { filter: { actorTypes: ['PERSON'] } });
    expect(byActorType.data!.auditEvents.totalCount).toBe(3);
    const byActor = await admin.gql(AUDIT, { filter: { actorId: integrationId } });
    expect(byActor.data!.auditEvents.edges.map((e: any) => e.node.targetEmail)).toEqual(['gone@example.test']);
    const target = byActorType.data!.auditEvents.edges[0].node.targetId;
    expect((await admin.gql(AUDIT, { filter: { targetId: target } })).data!.auditEvents.totalCount).toBe(1);
    expect((await admin.gql(AUDIT, { filter: { search: 'TWO@' } })).data!.auditEvents.totalCount).toBe(1);
    expect((await admin.gql(AUDIT, { filter: { search: '%' } })).data!.auditEvents.totalCount).toBe(0);
    expect((await admin.gql(AUDIT, { filter: { from: new Date(Date.now() + 60_000).toISOString() } })).data!.auditEvents.totalCount).toBe(
      0,
    );
    expect(errorCode(await admin.gql(AUDIT, { filter: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }))).toBe(
      'BAD_USER_INPUT',
    );
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await admin.gql(AUDIT, { page: { first: 1, after } });
      seen.push(...page.data.auditEvents.edges.map((e: any) => e.node.id));
      after = page.data.auditEvents.pageInfo.hasNextPage ? page.data.auditEvents.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(seen).size).toBe(4);
  });

  it("shows only the account's own events", async () => {
    const theirs = await other.gql(AUDIT);
    expect(theirs.data!.auditEvents.edges.map((e: any) => e.node.targetEmail)).toEqual(['theirs@example.test']);
  });

  it('exports the filtered log as CSV with formulas defused, for administrators only', async () => {
    const response = await fetch(`${roster.url}/api/audit.csv?actions=user.invited`, { headers: { cookie: admin.cookie! } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await response.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('time,action,actor_type,actor,actor_email,actor_id,target_id,target_email,ip,details');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).every((line) => line.includes(',user.invited,PERSON,Audrey Auditor,auditor@audit.test,'))).toBe(true);
    expect(lines.some((line) => line.includes(",'=cmd|evil@example.test,"))).toBe(true);
    expect((await fetch(`${roster.url}/api/audit.csv`)).status).toBe(401);
    expect((await fetch(`${roster.url}/api/audit.csv?from=yesterday`, { headers: { cookie: admin.cookie! } })).status).toBe(400);
  });

  it('exports to an API key with audit:read only, and names keys as actors', async () => {
    const createKey = async (name: string, scopes: string[]) =>
      (
        await admin.gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`, {
          input: { name, scopes },
        })
      ).data!.createApiKey;
    const reader = await createKey('SIEM export', ['audit:read']);
    const other = await createKey('User sync', ['users:read']);
    const allowed = await fetch(`${roster.url}/api/audit.csv?actions=api_key.created`, {
      headers: { authorization: `Bearer ${reader.secret}` },
    });
    expect(allowed.status).toBe(200);
    expect((await allowed.text()).trim().split('\r\n')).toHaveLength(3);
    const refused = await fetch(`${roster.url}/api/audit.csv`, { headers: { authorization: `Bearer ${other.secret}` } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.code).toBe('FORBIDDEN');
    // A change made with a key is audited with the key as actor, resolved to its name.
    const byKey = await createKey('Inviter', ['invitations:write']);
    await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${byKey.secret}` },
      body: JSON.stringify({
        query: 'mutation { inviteUsers(input: { addresses: "via.key@example.test", sendEmail: false }) { invitedCount } }',
      }),
    });
    const events = await admin.gql(AUDIT, { filter: { search: 'via.key@' } });
    expect(events.data!.auditEvents.edges.map((e: any) => e.node.actor)).toEqual([
      { type: 'API_KEY', id: byKey.apiKey.id, name: 'Inviter', email: null },
    ]);
  });
});
