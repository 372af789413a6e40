import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGoogleWorkspace, GOOGLE_SCOPES, type FakeGoogleUser } from '../../../../test/fakes/google-workspace.js';
import { OutboundHttp } from '../../../core/http/outbound-http.js';
import { ConnectorError, type ConnectorEnvironment } from '../connector.js';
import { GoogleWorkspaceConnector } from './google-workspace-connector.js';

describe('the Google Workspace connector', () => {
  let google: FakeGoogleWorkspace;
  let admin: FakeGoogleUser;
  let slept: number[];
  let env: ConnectorEnvironment;

  beforeAll(async () => {
    google = await new FakeGoogleWorkspace().start();
  });
  afterAll(() => google.stop());
  beforeEach(() => {
    google.users = [];
    google.groups = [];
    google.domains = ['example.test'];
    google.orgUnits = ['/'];
    google.maxPageSize = 500;
    google.delegatedScopes = [...GOOGLE_SCOPES];
    admin = google.seedUsers(1, 'example.test', true)[0]!;
    slept = [];
    env = {
      http: new OutboundHttp({ allowPrivateNetworks: () => true }),
      sleep: async (ms) => void slept.push(ms),
      microsoftLoginBaseUrl: 'https://login.microsoftonline.com',
      microsoftGraphBaseUrl: 'https://graph.microsoft.com',
      googleOAuthTokenUrl: google.tokenUrl,
      googleDirectoryBaseUrl: google.url,
    };
  });

  type Overrides = {
    key?: string;
    adminEmail?: string;
    customerId?: string;
    domain?: string;
    orgUnitPath?: string;
    includeSubOrgUnits?: string;
  };
  const connector = (overrides: Overrides = {}) =>
    new GoogleWorkspaceConnector(
      {
        serviceAccountKey: overrides.key ?? google.serviceAccountKey(),
        adminEmail: overrides.adminEmail ?? admin.primaryEmail,
        customerId: overrides.customerId ?? 'my_customer',
        domain: overrides.domain,
        orgUnitPath: overrides.orgUnitPath,
        includeSubOrgUnits: overrides.includeSubOrgUnits,
      },
      env,
    );

  async function all<T>(pages: AsyncIterable<{ items: T[]; next: string | null }>) {
    const seen: Array<{ items: T[]; next: string | null }> = [];
    for await (const page of pages) seen.push(page);
    return seen;
  }

  it('signs a JWT for the admin it acts as and reads every user page by page, following nextPageToken', async () => {
    google.seedUsers(5);
    google.maxPageSize = 4;
    const pages = await all(connector().listUsers(null));
    expect(pages.map((p) => p.items.length)).toEqual([4, 2]);
    expect(pages[0]!.next).toEqual(expect.any(String));
    expect(pages.at(-1)!.next).toBeNull();
    expect(pages.flatMap((p) => p.items.map((u) => u.email))).toEqual(google.users.map((u) => u.primaryEmail));
    expect(pages[0]!.items[1]).toEqual({
      externalId: google.users[1]!.id,
      email: google.users[1]!.primaryEmail,
      name: 'User 0002',
      active: true,
    });
    const claims = google.assertions.at(-1)!;
    expect(claims).toMatchObject({
      iss: google.clientEmail,
      sub: admin.primaryEmail,
      aud: google.tokenUrl,
      scope: GOOGLE_SCOPES.join(' '),
    });
    const userCalls = google.requests.filter((r) => r.path === '/admin/directory/v1/users');
    expect(userCalls.at(-2)!.query.get('maxResults')).toBe('500');
    expect(userCalls.at(-2)!.query.get('customer')).toBe('my_customer');
  });

  it('resumes from a page cursor', async () => {
    google.seedUsers(3);
    google.maxPageSize = 2;
    const [first] = await all(connector().listUsers(null));
    const rest = await all(connector().listUsers(first!.next));
    expect(rest.flatMap((p) => p.items.map((u) => u.externalId))).toEqual(google.users.slice(2).map((u) => u.id));
  });

  it('maps suspended and archived users to inactive', async () => {
    const [suspended, archived] = google.seedUsers(2);
    suspended!.suspended = true;
    archived!.archived = true;
    const users = (await all(connector().listUsers(null))).flatMap((p) => p.items);
    expect(users.map((u) => [u.email, u.active])).toEqual([
      [admin.primaryEmail, true],
      [suspended!.primaryEmail, false],
      [archived!.primaryEmail, false],
    ]);
  });

  it('lists groups page by page with their user members only (nested groups left out), paging members too', async () => {
    const [a, b, c] = google.seedUsers(3);
    google.groups.push({ id: 'g2', email: 'nested@example.test', name: 'Nested', description: '', members: [] });
    google.groups.push({
      id: 'g1',
      email: 'helpdesk@example.test',
      name: 'Helpdesk',
      description: 'Tier 1',
      members: [a!.id, 'g2', b!.id, c!.id],
    });
    google.maxPageSize = 1;
    const pages = await all(connector().listGroups(null));
    expect(pages).toHaveLength(2);
    expect(pages.flatMap((p) => p.items)).toEqual([
      { externalId: 'g2', name: 'Nested', description: null, memberExternalIds: [] },
      { externalId: 'g1', name: 'Helpdesk', description: 'Tier 1', memberExternalIds: [a!.id, b!.id, c!.id] },
    ]);
  });

  it('backs off on 429 and on 403 rateLimitExceeded / userRateLimitExceeded, then goes on', async () => {
    google.throttleNext(
      { status: 429, reason: 'rateLimitExceeded' },
      { status: 403, reason: 'rateLimitExceeded' },
      { status: 403, reason: 'userRateLimitExceeded' },
    );
    const pages = await all(connector().listUsers(null));
    expect(pages[0]!.items).toHaveLength(1);
    expect(slept).toEqual([1000, 2000, 4000]);
  });

  it('signs a new assertion once when Google says the cached token has expired, and goes on', async () => {
    google.seedUsers(2);
    const client = connector();
    await all(client.listUsers(null));
    const assertionsBefore = google.assertions.length;
    google.expireTokens();
    const pages = await all(client.listUsers(null));
    expect(pages.flatMap((p) => p.items)).toHaveLength(3);
    expect(google.assertions.length - assertionsBefore).toBe(1);
    expect(google.requests.filter((r) => r.path === '/admin/directory/v1/users' && r.status === 401)).toHaveLength(1);
  });

  it('gives up with RATE_LIMITED when throttling does not end', async () => {
    google.throttleNext(...Array.from({ length: 6 }, () => ({ status: 403 as const, reason: 'userRateLimitExceeded' })));
    await expect(all(connector().listUsers(null))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(slept).toHaveLength(5);
  });

  it('says clearly what is wrong: a key that is not one, a key Google does not accept, missing delegation, a non-admin, a wrong customer', async () => {
    const failure = (c: GoogleWorkspaceConnector) =>
      c.testConnection().then(
        () => {
          throw new Error('connected');
        },
        (e: unknown) => e as ConnectorError,
      );
    const notJson = await failure(connector({ key: 'not a key' }));
    expect(notJson).toBeInstanceOf(ConnectorError);
    expect(notJson).toMatchObject({ code: 'AUTHENTICATION_FAILED', message: expect.stringMatching(/JSON key/) });

    const otherKey = google.serviceAccountKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const unsigned = await failure(connector({ key: otherKey }));
    expect(unsigned).toMatchObject({ code: 'AUTHENTICATION_FAILED', message: expect.stringMatching(/signature/) });
    expect(unsigned.message).not.toContain('PRIVATE KEY');

    google.delegatedScopes = [GOOGLE_SCOPES[0]!];
    const undelegated = await failure(connector());
    expect(undelegated).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/Domain-wide delegation/) });
    google.delegatedScopes = [...GOOGLE_SCOPES];

    const plain = google.seedUsers(1)[0]!;
    const notAdmin = await failure(connector({ adminEmail: plain.primaryEmail }));
    expect(notAdmin).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/administrator/) });

    const customer = await failure(connector({ customerId: 'C0nope' }));
    expect(customer).toMatchObject({ message: expect.stringMatching(/customer id "C0nope"/) });

    expect(await connector({ customerId: google.customerId }).testConnection()).toEqual({
      summary: `Connected to Google Workspace as ${admin.primaryEmail}.`,
    });
  });

  it("reads one org unit with its sub-units through Google's query, or only the users placed directly in it", async () => {
    const [sales] = google.seedUsers(1, 'example.test', false, '/Sales');
    const [emea] = google.seedUsers(1, 'example.test', false, '/Sales/EMEA');
    google.seedUsers(1, 'example.test', false, '/Salesforce Admins');
    google.seedUsers(1, 'example.test', false, '/Support');
    const emails = async (c: GoogleWorkspaceConnector) => (await all(c.listUsers(null))).flatMap((p) => p.items.map((u) => u.email));

    expect(await emails(connector({ orgUnitPath: '/Sales' }))).toEqual([sales!.primaryEmail, emea!.primaryEmail]);
    const asked = google.requests.filter((r) => r.path === '/admin/directory/v1/users').at(-1)!;
    expect(asked.query.get('query')).toBe("orgUnitPath='/Sales'");
    expect(asked.query.get('customer')).toBe('my_customer');

    expect(await emails(connector({ orgUnitPath: 'Sales/', includeSubOrgUnits: 'no' }))).toEqual([sales!.primaryEmail]);
    expect(await connector({ orgUnitPath: 'Sales/', includeSubOrgUnits: 'No' }).testConnection()).toEqual({
      summary: `Connected to Google Workspace as ${admin.primaryEmail} (org unit /Sales without sub-units).`,
    });
    expect(await emails(connector({ orgUnitPath: '/Salesforce Admins' }))).toHaveLength(1);
    expect(await emails(connector())).toHaveLength(5);
  });

  it('reads one domain of a multi-domain account with domain= instead of customer=, for users and groups', async () => {
    const [ours] = google.seedUsers(1, 'clients.example.test');
    google.groups.push({ id: 'g1', email: 'team@clients.example.test', name: 'Team', description: '', members: [ours!.id] });
    google.groups.push({ id: 'g2', email: 'staff@example.test', name: 'Staff', description: '', members: [admin.id] });
    const client = connector({ domain: 'Clients.Example.test', customerId: 'C0ignored' });
    expect((await all(client.listUsers(null))).flatMap((p) => p.items.map((u) => u.email))).toEqual([ours!.primaryEmail]);
    expect((await all(client.listGroups(null))).flatMap((p) => p.items.map((g) => g.name))).toEqual(['Team']);
    const lists = google.requests.filter((r) => r.path === '/admin/directory/v1/users' || r.path === '/admin/directory/v1/groups');
    expect(lists.slice(-2).map((r) => [r.query.get('domain'), r.query.get('customer')])).toEqual([
      ['clients.example.test', null],
      ['clients.example.test', null],
    ]);
    expect(await client.testConnection()).toEqual({
      summary: `Connected to Google Workspace as ${admin.primaryEmail} (domain clients.example.test).`,
    });
  });

  it('says clearly when the org unit, the domain or the sub-units choice is wrong, and reads nothing then', async () => {
    const failure = (c: GoogleWorkspaceConnector) =>
      c.testConnection().then(
        () => null,
        (e: unknown) => e as ConnectorError,
      );
    expect(await failure(connector({ orgUnitPath: '/Nowhere' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringMatching(/does not know the org unit "\/Nowhere"/),
    });
    expect(await failure(connector({ domain: 'other.test' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringMatching(/"other\.test" must be one of this Workspace account's domains/),
    });
    const before = google.requests.length;
    expect(await failure(connector({ domain: 'not a domain' }))).toMatchObject({ message: expect.stringMatching(/is not a domain name/) });
    expect(await failure(connector({ orgUnitPath: '/Sales', includeSubOrgUnits: 'maybe' }))).toMatchObject({
      message: 'Include sub-units takes yes or no, not "maybe".',
    });
    await expect(all(connector({ includeSubOrgUnits: 'maybe' }).listUsers(null))).rejects.toBeInstanceOf(ConnectorError);
    expect(google.requests.length).toBe(before);
  });
});
