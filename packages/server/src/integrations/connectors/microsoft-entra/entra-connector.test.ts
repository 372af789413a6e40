import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMicrosoftGraph } from '../../../../test/fakes/microsoft-graph.js';
import { OutboundHttp } from '../../../core/http/outbound-http.js';
import { ConnectorError, type ConnectorEnvironment } from '../connector.js';
import { EntraConnector } from './entra-connector.js';

describe('the Microsoft Entra ID connector', () => {
  let graph: FakeMicrosoftGraph;
  let slept: number[];
  let env: ConnectorEnvironment;

  beforeAll(async () => {
    graph = await new FakeMicrosoftGraph().start();
  });
  afterAll(() => graph.stop());
  afterEach(() => {
    vi.useRealTimers();
    graph.releaseHanging();
  });
  beforeEach(() => {
    graph.tokenLifetimeSeconds = 3599;
    graph.users = [];
    graph.groups = [];
    graph.expiredDeltaAnswer = { status: 400, code: 'syncStateNotFound' };
    graph.maxPageSize = 999;
    graph.consented = true;
    slept = [];
    env = {
      http: new OutboundHttp({ allowPrivateNetworks: () => true }),
      sleep: async (ms) => void slept.push(ms),
      microsoftLoginBaseUrl: graph.url,
      microsoftGraphBaseUrl: graph.url,
      googleOAuthTokenUrl: 'https://oauth2.googleapis.com/token',
      googleDirectoryBaseUrl: 'https://admin.googleapis.com',
    };
  });

  const connector = (secret = graph.clientSecret) =>
    new EntraConnector({ tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: secret }, env);

  async function all<T, P extends { items: T[]; next: string | null }>(pages: AsyncIterable<P>) {
    const seen: P[] = [];
    for await (const page of pages) seen.push(page);
    return seen;
  }
  /** The Graph calls answered since `from` (path and query), as the fake logged them. */
  const callsSince = (from: number) =>
    graph.requests
      .slice(from)
      .filter((r) => r.path.startsWith('/v1.0/'))
      .map((r) => r.path + r.query);

  it('reads every user page by page, following @odata.nextLink, with one token for all pages', async () => {
    graph.seedUsers(5);
    graph.users.push({
      id: 'guest',
      displayName: 'Guest',
      mail: null,
      userPrincipalName: 'guest_x.test#EXT#@contoso.onmicrosoft.com',
      accountEnabled: false,
    });
    graph.users.push({
      id: 'upn-only',
      displayName: 'No Mail',
      mail: null,
      userPrincipalName: 'nomail@contoso.test',
      accountEnabled: true,
    });
    graph.maxPageSize = 3;
    const tokensBefore = graph.tokenRequests.length;
    const pages = await all(connector().listUsers(null));
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.at(-1)!.next).toBeNull();
    expect(pages[0]!.next).toMatch(/skiptoken=/);
    const users = pages.flatMap((p) => p.items);
    expect(users.slice(5)).toEqual([
      { externalId: 'guest', email: null, name: 'Guest', active: false },
      { externalId: 'upn-only', email: 'nomail@contoso.test', name: 'No Mail', active: true },
    ]);
    expect(graph.tokenRequests.length - tokensBefore).toBe(1);
  });

  it('resumes from a page cursor', async () => {
    graph.seedUsers(4);
    graph.maxPageSize = 2;
    const [first] = await all(connector().listUsers(null));
    const rest = await all(connector().listUsers(first!.next));
    expect(rest.flatMap((p) => p.items.map((u) => u.externalId))).toEqual(graph.users.slice(2).map((u) => u.id));
  });

  it('lists groups with their user members only (devices and other objects left out)', async () => {
    const [a, b] = graph.seedUsers(2);
    graph.groups.push({ id: 'g1', displayName: 'Helpdesk', description: 'Tier 1', members: [a!.id, 'printer-7', b!.id] });
    const pages = await all(connector().listGroups(null));
    expect(pages.flatMap((p) => p.items)).toEqual([
      { externalId: 'g1', name: 'Helpdesk', description: 'Tier 1', memberExternalIds: [a!.id, b!.id] },
    ]);
  });

  it('waits the Retry-After of a 429 and tries again', async () => {
    graph.seedUsers(1);
    graph.throttleNext(7, 2);
    const pages = await all(connector().listUsers(null));
    expect(pages[0]!.items).toHaveLength(1);
    expect(slept).toEqual([7000, 2000]);
  });

  it('gives up with RATE_LIMITED when throttling does not end', async () => {
    // The first answer and five retries, all throttled.
    graph.throttleNext(1, 1, 1, 1, 1, 1);
    await expect(all(connector().listUsers(null))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(slept).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('says which credential is wrong and which permission is missing, never echoing the secret', async () => {
    const wrong = await connector('a-wrong-secret')
      .testConnection()
      .catch((e) => e);
    expect(wrong).toBeInstanceOf(ConnectorError);
    expect(wrong).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    expect(wrong.message).toMatch(/client secret/);
    expect(wrong.message).not.toContain('a-wrong-secret');
    const tenant = await new EntraConnector(
      { tenantId: 'nope.onmicrosoft.com', clientId: graph.clientId, clientSecret: graph.clientSecret },
      env,
    )
      .testConnection()
      .catch((e) => e);
    expect(tenant.message).toMatch(/AADSTS90002/);
    graph.consented = false;
    const consent = await connector()
      .testConnection()
      .catch((e) => e);
    expect(consent).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(consent.message).toMatch(/User\.Read\.All.*admin consent/);
  });

  it('reports an unreachable endpoint as UNREACHABLE', async () => {
    const offline = new EntraConnector(
      { tenantId: 't', clientId: 'c', clientSecret: 's' },
      { ...env, microsoftLoginBaseUrl: 'http://127.0.0.1:9' },
    );
    await expect(offline.testConnection()).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });

  it('asks Graph for every property it reads: a disabled user stays disabled although the default set has no accountEnabled', async () => {
    graph.seedUsers(1)[0]!.accountEnabled = false;
    // Graph (and the fake) leave accountEnabled out unless it is selected.
    const token = (await await fetch(`${graph.url}/${graph.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: graph.clientId,
        client_secret: graph.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
        grant_type: 'client_credentials',
      }),
    }).then((r) => r.json())) as { access_token: string };
    const unselected = (await (
      await fetch(`${graph.url}/v1.0/users`, { headers: { authorization: `Bearer ${token.access_token}` } })
    ).json()) as { value: object[] };
    expect(unselected.value[0]).not.toHaveProperty('accountEnabled');
    const [page] = await all(connector().listUsers(null));
    expect(page!.items[0]).toMatchObject({ active: false });
  });

  it('gets a new token once when Graph says the cached one has expired, and goes on', async () => {
    graph.seedUsers(2);
    const client = connector();
    await all(client.listUsers(null));
    const tokensBefore = graph.tokenRequests.length;
    graph.expireTokens();
    const pages = await all(client.listUsers(null));
    expect(pages.flatMap((p) => p.items)).toHaveLength(2);
    expect(graph.tokenRequests.length - tokensBefore).toBe(1);
    expect(graph.requests.filter((r) => r.path === '/v1.0/users' && r.status === 401)).toHaveLength(1);
  });

  it('gets a new token before using one whose hour is up, without a refused call', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    graph.seedUsers(1);
    const client = connector();
    await all(client.listUsers(null));
    const tokensBefore = graph.tokenRequests.length;
    const refusedBefore = graph.requests.filter((r) => r.status === 401).length;
    vi.setSystemTime(Date.now() + graph.tokenLifetimeSeconds * 1000);
    await all(client.listUsers(null));
    expect(graph.tokenRequests.length - tokensBefore).toBe(1);
    expect(graph.requests.filter((r) => r.status === 401).length).toBe(refusedBefore);
  });

  it('gives up a Graph request that gets no answer after the connector’s timeout', async () => {
    graph.seedUsers(1);
    graph.hangAfter('/v1.0/users', 0);
    const answeredBefore = graph.requests.filter((r) => r.path === '/v1.0/users').length;
    const impatient = new EntraConnector(
      { tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret },
      { ...env, http: new OutboundHttp({ allowPrivateNetworks: () => true, timeoutMs: 200 }) },
    );
    await expect(all(impatient.listUsers(null))).rejects.toMatchObject({
      code: 'UNREACHABLE',
      message: expect.stringMatching(/did not answer within 0\.2 s/),
    });
    expect(graph.requests.filter((r) => r.path === '/v1.0/users')).toHaveLength(answeredBefore);
    // The held request was abandoned by the connector, not left open.
    for (let i = 0; graph.hangingCount > 0 && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    expect(graph.hangingCount).toBe(0);
  });

  describe('change tracking (Graph delta queries)', () => {
    it('a full read asked to track changes takes a deltaLink before reading, hands it back on its last page, and keeps it when resumed', async () => {
      graph.seedUsers(5);
      graph.maxPageSize = 2;
      const from = graph.requests.length;
      const pages = await all(connector().listUsers(null, { changesSince: null }));
      expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
      const calls = callsSince(from);
      expect(calls[0]).toMatch(
        /^\/v1\.0\/users\/delta\?\$select=id,displayName,mail,userPrincipalName,accountEnabled&\$deltatoken=latest$/,
      );
      expect(calls.slice(1).every((c) => c.startsWith('/v1.0/users?'))).toBe(true);
      const link = pages.at(-1)!.changesLink!;
      expect(link).toMatch(/\/v1\.0\/users\/delta\?\$deltatoken=/);
      expect(pages.slice(0, -1).every((p) => p.changesLink === undefined)).toBe(true);
      // Resumed from its second page's cursor, the read ends with the same link (taken before it started).
      const resumed = await all(connector().listUsers(pages[0]!.next, { changesSince: null }));
      expect(resumed.flatMap((p) => p.items.map((u) => u.externalId))).toEqual(graph.users.slice(2).map((u) => u.id));
      expect(resumed.at(-1)!.changesLink).toBe(link);
      // Without options (a dry run), nothing is tracked: plain cursors, no link, no delta call.
      const before = graph.requests.length;
      const plain = await all(connector().listUsers(null));
      expect(plain.at(-1)!.changesLink).toBeUndefined();
      expect(callsSince(before).some((c) => c.includes('/delta'))).toBe(false);
    });

    it('reads only what changed since the link: renamed, re-addressed, disabled and new users, and the removed ones by id', async () => {
      const [a, b, c, d, e] = graph.seedUsers(6);
      const first = await all(connector().listUsers(null, { changesSince: null }));
      graph.updateUser(a!.id, { displayName: 'Renamed', mail: 'renamed@contoso.test' });
      graph.updateUser(b!.id, { accountEnabled: false });
      graph.removeUser(c!.id);
      graph.removeUser(d!.id, { permanently: true });
      graph.updateUser(e!.id, { jobTitle: 'not selected' } as never);
      const [added] = graph.seedUsers(1);
      graph.maxPageSize = 2;
      const from = graph.requests.length;
      const pages = await all(connector().listUsers(null, { changesSince: first.at(-1)!.changesLink! }));
      expect(callsSince(from).every((call) => call.startsWith('/v1.0/users/delta?$'))).toBe(true);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.flatMap((p) => p.items)).toEqual([
        { externalId: a!.id, email: 'renamed@contoso.test', name: 'Renamed', active: true },
        { externalId: b!.id, email: b!.mail, name: b!.displayName, active: false },
        { externalId: added!.id, email: added!.mail, name: added!.displayName, active: true },
      ]);
      expect(pages.flatMap((p) => p.removed ?? []).sort()).toEqual([c!.id, d!.id].sort());
      const next = pages.at(-1)!.changesLink!;
      expect(next).not.toBe(first.at(-1)!.changesLink);
      // A round resumed from its nextLink goes on with the same round.
      const resumed = await all(connector().listUsers(pages[0]!.next, { changesSince: first.at(-1)!.changesLink! }));
      expect(resumed.flatMap((p) => p.items).length + resumed.flatMap((p) => p.removed ?? []).length).toBe(
        5 - pages[0]!.items.length - (pages[0]!.removed?.length ?? 0),
      );
      // Nothing changed since: nothing read.
      expect((await all(connector().listUsers(null, { changesSince: next }))).flatMap((p) => [...p.items, ...(p.removed ?? [])])).toEqual(
        [],
      );
    });

    it('reads group changes as member changes (users only), renames and removed groups', async () => {
      const [a, b, c] = graph.seedUsers(3);
      graph.groups.push({ id: 'g1', displayName: 'Helpdesk', description: null, members: [a!.id, b!.id] });
      graph.groups.push({ id: 'g2', displayName: 'Sales', description: null, members: [c!.id] });
      graph.groups.push({ id: 'g3', displayName: 'Quiet', description: null, members: [a!.id] });
      const full = await all(connector().listGroups(null, { changesSince: null }));
      expect(full.flatMap((p) => p.items.map((g) => g.memberChanges))).toEqual([undefined, undefined, undefined]);
      graph.addMembers('g1', c!.id, 'printer-9');
      graph.removeMembers('g1', a!.id);
      graph.groups.find((g) => g.id === 'g2')!.displayName = 'Sales EMEA';
      graph.removeGroup('g3');
      const from = graph.requests.length;
      const changes = await all(connector().listGroups(null, { changesSince: full.at(-1)!.changesLink! }));
      expect(callsSince(from).every((call) => call.startsWith('/v1.0/groups/delta?$'))).toBe(true);
      expect(changes.flatMap((p) => p.items)).toEqual([
        {
          externalId: 'g1',
          name: 'Helpdesk',
          description: null,
          memberExternalIds: [c!.id],
          memberChanges: { added: [c!.id], removed: [a!.id] },
        },
        { externalId: 'g2', name: 'Sales EMEA', description: null, memberExternalIds: [], memberChanges: { added: [], removed: [] } },
      ]);
      expect(changes.flatMap((p) => p.removed ?? [])).toEqual(['g3']);
    });

    it('waits the Retry-After of a throttled delta round and goes on', async () => {
      const [a] = graph.seedUsers(2);
      const link = (await all(connector().listUsers(null, { changesSince: null }))).at(-1)!.changesLink!;
      graph.updateUser(a!.id, { displayName: 'After Throttle' });
      graph.throttleNext(3);
      const pages = await all(connector().listUsers(null, { changesSince: link }));
      expect(pages.flatMap((p) => p.items.map((u) => u.name))).toEqual(['After Throttle']);
      expect(slept).toEqual([3000]);
      expect(
        graph.requests
          .filter((r) => r.path === '/v1.0/users/delta')
          .map((r) => r.status)
          .slice(-2),
      ).toEqual([429, 200]);
    });

    it('says CHANGES_EXPIRED when Graph no longer honours the link: 410, or 400 syncStateNotFound / resyncRequired', async () => {
      graph.seedUsers(1);
      for (const answer of [
        { status: 410, code: 'syncStateNotFound' },
        { status: 400, code: 'syncStateNotFound' },
        { status: 400, code: 'resyncRequired' },
      ]) {
        const link = (await all(connector().listUsers(null, { changesSince: null }))).at(-1)!.changesLink!;
        graph.expireDeltaTokens(answer);
        await expect(all(connector().listUsers(null, { changesSince: link }))).rejects.toMatchObject({
          code: 'CHANGES_EXPIRED',
          message: expect.stringMatching(/delta link/),
        });
      }
      // Any other refusal is what it always was.
      const link = (await all(connector().listUsers(null, { changesSince: null }))).at(-1)!.changesLink!;
      graph.consented = false;
      await expect(all(connector().listUsers(null, { changesSince: link }))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    });

    it('follows a delta link only on Graph’s own origin (it carries the token): a stored one elsewhere reads as expired', async () => {
      const from = graph.requests.length;
      await expect(
        all(connector().listUsers(null, { changesSince: 'https://graph.example/v1.0/users/delta?$deltatoken=x' })),
      ).rejects.toMatchObject({
        code: 'CHANGES_EXPIRED',
        message: expect.stringMatching(/another Microsoft Graph address/),
      });
      // A resumed round whose cursor points elsewhere is refused as any next-page link is.
      await expect(
        all(
          connector().listUsers('https://evil.example/v1.0/users/delta?$skiptoken=x', {
            changesSince: `${graph.url}/v1.0/users/delta?$deltatoken=x`,
          }),
        ),
      ).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/another server/) });
      expect(graph.requests.length).toBe(from);
    });
  });
});
