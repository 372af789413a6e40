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

  async function all<T>(pages: AsyncIterable<{ items: T[]; next: string | null }>) {
    const seen: Array<{ items: T[]; next: string | null }> = [];
    for await (const page of pages) seen.push(page);
    return seen;
  }

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
});
