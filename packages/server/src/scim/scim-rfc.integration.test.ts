import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ScimClient, scimFilter } from '../../test/scim-client.js';
import { schemaProblems, servedSchemas } from '../../test/scim-schema-validator.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** RFC 7643/7644 points IdPs and schema-driven clients rely on, beyond what Okta and Entra ID exercise. */
describe.each(dialects)('SCIM as RFC 7643/7644 say (%s)', (dialect) => {
  let roster: TestRoster;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false });
  });
  afterAll(() => roster?.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  async function newScimClient() {
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    const integration = await build.aScimIntegration(account.id);
    return { account, integration, scim: new ScimClient(roster.url, integration.token) };
  }

  async function aUser(scim: ScimClient, name: string, extra: Record<string, unknown> = {}) {
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: `${name}@rfc.test`,
      name: { givenName: name, familyName: 'Tester' },
      displayName: `${name} Tester`,
      emails: [{ value: `${name}@rfc.test`, type: 'work', primary: true }],
      active: true,
      ...extra,
    });
    expect(created.status).toBe(201);
    return created.body!.id as string;
  }

  const membership = (id: string) => roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id });

  it('builds meta.location and Location on the configured public URL, never on the Host header', async () => {
    const { scim, integration } = await newScimClient();
    const id = await aUser(scim, 'hosted');
    const port = new URL(roster.url).port;
    const send = (method: string, path: string, body?: unknown) =>
      new Promise<{ status: number; location: string | undefined; body: any }>((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path: `/scim/v2${path}`,
            headers: {
              host: 'evil.example',
              authorization: `Bearer ${integration.token}`,
              ...(payload ? { 'content-type': 'application/scim+json' } : {}),
            },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode!, location: response.headers.location, body: JSON.parse(text) }),
            );
          },
        );
        request.on('error', reject);
        request.end(payload);
      });

    const read = await send('GET', `/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.meta.location).toBe(`${roster.url}/scim/v2/Users/${id}`);
    const created = await send('POST', '/Groups', { schemas: [GROUP], displayName: 'Hosted' });
    expect(created.status).toBe(201);
    expect(created.location).toBe(`${roster.url}/scim/v2/Groups/${created.body.id}`);
    expect(created.body.meta.location).toBe(created.location);
    const config = await send('GET', '/ServiceProviderConfig');
    expect(config.body.meta.location).toBe(`${roster.url}/scim/v2/ServiceProviderConfig`);
    expect(JSON.stringify([read.body, created.body, config.body])).not.toContain('evil.example');
  });

  it('keeps one primary email: a PATCH that adds or marks a primary email clears the others (RFC 7643 §2.4)', async () => {
    const { scim } = await newScimClient();
    const id = await aUser(scim, 'prim');
    const added = await scim.patch(`/Users/${id}`, [
      { op: 'add', path: 'emails', value: [{ value: 'prim.home@rfc.test', type: 'home', primary: true }] },
    ]);
    expect(added.status).toBe(200);
    expect(added.body!.emails).toEqual([
      { value: 'prim@rfc.test', type: 'work', primary: false },
      { value: 'prim.home@rfc.test', type: 'home', primary: true },
    ]);
    // The primary address is the one Roster invites.
    expect((await membership(id)).email).toBe('prim.home@rfc.test');

    // Entra's shape: a filtered path marking the work address primary again.
    const marked = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'emails[type eq "work"].primary', value: true }]);
    expect(marked.body!.emails).toEqual([
      { value: 'prim@rfc.test', type: 'work', primary: true },
      { value: 'prim.home@rfc.test', type: 'home', primary: false },
    ]);
    expect((await scim.get(`/Users/${id}`)).body!.emails.filter((e: { primary?: boolean }) => e.primary)).toHaveLength(1);

    // A body that itself claims two primaries is refused, not stored.
    const twice = await scim.patch(`/Users/${id}`, [
      {
        op: 'replace',
        path: 'emails',
        value: [
          { value: 'a@rfc.test', primary: true },
          { value: 'b@rfc.test', primary: true },
        ],
      },
    ]);
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ scimType: 'invalidValue' });
  });

  it('describes exactly what it returns: every response validates against the served /Schemas and /ResourceTypes', async () => {
    const { scim } = await newScimClient();
    const id = await aUser(scim, 'schemed', {
      schemas: [USER, ENTERPRISE],
      locale: 'en-GB',
      phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }],
      addresses: [{ locality: 'London', country: 'GB', primary: true, postalCode: null }],
      // What a schema-driven client would not expect back: misspelt, unknown or write-only attributes.
      adreses: [{ country: 'GB' }],
      favouriteColour: 'green',
      password: 'never-returned',
      emails: [{ value: 'schemed@rfc.test', type: 'work', Primary: true }],
      [ENTERPRISE]: { department: 'Research', Manager: { Value: 'boss-1' } },
    });
    const group = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Schemed', members: [{ value: id }] });
    expect(group.body!.members).toEqual([
      { value: id, display: 'schemed Tester', $ref: `${roster.url}/scim/v2/Users/${id}`, type: 'User' },
    ]);
    const user = await scim.get(`/Users/${id}`);
    expect(user.body).toMatchObject({
      emails: [{ value: 'schemed@rfc.test', type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'Research', manager: { value: 'boss-1' } },
    });
    expect(user.body!.adreses).toBeUndefined();
    await scim.get('/Groups');
    await scim.get(`/Users?${scimFilter('userName eq "schemed@rfc.test"')}`);

    const served = servedSchemas((await scim.get('/Schemas')).body!, (await scim.get('/ResourceTypes')).body!);
    const problems = scim.exchanges.flatMap(({ method, path, response }) =>
      schemaProblems(response.body, served).map((p) => `${method} ${path}: ${p}`),
    );
    expect(problems).toEqual([]);
    const members = (await scim.get(`/Schemas/${GROUP}`)).body!.attributes.find((a: { name: string }) => a.name === 'members');
    expect(members.subAttributes.map((a: { name: string }) => a.name).sort()).toEqual(['$ref', 'display', 'type', 'value']);
  });

  it('removes what a PATCH remove names, or answers 400 mutability where Roster cannot (RFC 7644 §3.5.2.2)', async () => {
    const { scim } = await newScimClient();
    const id = await aUser(scim, 'removed');

    const noDisplayName = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: 'displayName' }]);
    expect(noDisplayName.status).toBe(200);
    expect(noDisplayName.body!.displayName).toBeUndefined();
    expect((await scim.get(`/Users/${id}`)).body!.displayName).toBeUndefined();

    const noName = await scim.patch(`/Users/${id}`, [{ op: 'Remove', path: 'name' }]);
    expect(noName.status).toBe(200);
    expect(noName.body!.name).toBeUndefined();
    expect((await scim.get(`/Users/${id}`)).body!.name).toBeUndefined();

    const noActive = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: 'active' }]);
    expect(noActive.status).toBe(400);
    expect(noActive.body).toMatchObject({ scimType: 'mutability' });
    const noEmails = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: 'emails' }]);
    expect(noEmails.status).toBe(400);
    expect(noEmails.body).toMatchObject({ scimType: 'mutability' });
    const noWorkEmail = await scim.patch(`/Users/${id}`, [{ op: 'remove', path: 'emails[type eq "work"]' }]);
    expect(noWorkEmail.status).toBe(400);
    expect(noWorkEmail.body).toMatchObject({ scimType: 'mutability' });

    const after = await scim.get(`/Users/${id}`);
    expect(after.body).toMatchObject({ active: true, emails: [{ value: 'removed@rfc.test', type: 'work', primary: true }] });
    expect(await membership(id)).toMatchObject({ email: 'removed@rfc.test', status: UserStatus.INVITED });
  });

  it("moves a group's meta.lastModified when members are added or removed", async () => {
    const { scim } = await newScimClient();
    const [ann, ben] = [await aUser(scim, 'ann'), await aUser(scim, 'ben')];
    // Only Date is faked: the server runs in this process, so its clock is the one set here.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T10:00:00.000Z'));
    const created = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Moving', members: [{ value: ann }] });
    const groupId = created.body!.id as string;
    expect(created.body!.meta.created).toBe('2030-01-01T10:00:00.000Z');

    vi.setSystemTime(new Date('2030-01-01T11:00:00.000Z'));
    expect((await scim.patch(`/Groups/${groupId}`, [{ op: 'add', path: 'members', value: [{ value: ben }] }])).status).toBe(204);
    expect((await scim.get(`/Groups/${groupId}`)).body!.meta.lastModified).toBe('2030-01-01T11:00:00.000Z');

    vi.setSystemTime(new Date('2030-01-01T12:00:00.000Z'));
    expect((await scim.patch(`/Groups/${groupId}`, [{ op: 'remove', path: `members[value eq "${ann}"]` }])).status).toBe(204);
    const read = await scim.get(`/Groups/${groupId}`);
    expect(read.body!.members.map((m: { value: string }) => m.value)).toEqual([ben]);
    expect(read.body!.meta).toMatchObject({ created: '2030-01-01T10:00:00.000Z', lastModified: '2030-01-01T12:00:00.000Z' });
  });

  it("keeps a pushed group's members and meta.lastModified as the IdP left them: the dashboard refuses to change them", async () => {
    const { scim, account } = await newScimClient();
    const ann = await aUser(scim, 'dash-ann');
    await builders(roster.dataSource).aUser(account.id, { email: 'dash-admin@rfc.test', role: Role.ADMIN, password: 'dash-admin-pass' });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-01-01T10:00:00.000Z'));
    const admin = new TestClient(roster.url);
    await admin.signIn('dash-admin@rfc.test', 'dash-admin-pass');
    const groupId = (await scim.post('/Groups', { schemas: [GROUP], displayName: 'Dashboard refused' })).body!.id as string;

    vi.setSystemTime(new Date('2031-01-01T11:00:00.000Z'));
    const MEMBERS = (verb: string) => `mutation($g: ID!, $u: [ID!]!) { ${verb}(input: { groupId: $g, userIds: $u }) { users { id } } }`;
    const refused = await admin.gql(MEMBERS('addGroupMembers'), { g: groupId, u: [ann] });
    expect(refused.errors?.[0]?.extensions?.code).toBe('MANAGED_BY_INTEGRATION');
    const group = (await scim.get(`/Groups/${groupId}`)).body!;
    expect(group.meta.lastModified).toBe('2031-01-01T10:00:00.000Z');
    expect(group.members ?? []).toEqual([]);
  });

  it('answers POST .search at /Users, /Groups and the root like the matching GET (RFC 7644 §3.4.3)', async () => {
    const { scim } = await newScimClient();
    const ids = [await aUser(scim, 'sa'), await aUser(scim, 'sb'), await aUser(scim, 'sc')];
    const group = (await scim.post('/Groups', { schemas: [GROUP], displayName: 'Searched', members: [{ value: ids[0] }] })).body!;

    const byGet = await scim.get(`/Users?${scimFilter('userName eq "sb@rfc.test"')}&attributes=userName`);
    const bySearch = await scim.search('/Users', { filter: 'userName eq "sb@rfc.test"', attributes: ['userName'] });
    expect(bySearch.status).toBe(200);
    expect(bySearch.body).toEqual(byGet.body);
    expect(bySearch.body).toMatchObject({ totalResults: 1, Resources: [{ id: ids[1], userName: 'sb@rfc.test' }] });
    expect(Object.keys(bySearch.body!.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);

    const paged = await scim.search('/Users', { startIndex: 2, count: 1, excludedAttributes: ['emails', 'name'] });
    expect(paged.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1, Resources: [{ id: ids[1] }] });
    expect(paged.body!.Resources[0].emails).toBeUndefined();
    expect(paged.body!.Resources[0].name).toBeUndefined();

    const groups = await scim.search('/Groups', { filter: 'displayName eq "searched"', excludedAttributes: ['members'] });
    expect(groups.body).toMatchObject({ totalResults: 1, Resources: [{ id: group.id, displayName: 'Searched' }] });
    expect(groups.body!.Resources[0].members).toBeUndefined();

    // The root covers both types, users first, paged as one list.
    const all = await scim.search('', { startIndex: 3, count: 2, attributes: ['displayName'] });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ totalResults: 4, startIndex: 3, itemsPerPage: 2 });
    expect(all.body!.Resources.map((r: { id: string }) => r.id)).toEqual([ids[2], group.id]);
    const byName = await scim.search('', { filter: 'displayName eq "Searched"' });
    expect(byName.body).toMatchObject({ totalResults: 1, Resources: [{ id: group.id, schemas: [GROUP] }] });
    const userOnly = await scim.search('', { filter: 'userName eq "sa@rfc.test"' });
    expect(userOnly.body).toMatchObject({ totalResults: 1, Resources: [{ id: ids[0] }] });

    const noSchema = await scim.request('POST', '/Users/.search', { filter: 'userName eq "sa@rfc.test"' });
    expect(noSchema.status).toBe(400);
    expect(noSchema.body).toMatchObject({ scimType: 'invalidValue' });
    const badFilter = await scim.search('/Users', { filter: 'userName sw "s"' });
    expect(badFilter.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('honours attributes and excludedAttributes on every GET, search and write, down to sub-attributes and schema URNs', async () => {
    const { scim } = await newScimClient();
    const id = await aUser(scim, 'proj', { schemas: [USER, ENTERPRISE], [ENTERPRISE]: { department: 'Sales', employeeNumber: '7' } });

    const qualified = await scim.get(`/Users/${id}?attributes=${encodeURIComponent(`${USER}:userName`)}`);
    expect(qualified.body).toEqual({ schemas: [USER, ENTERPRISE], id, userName: 'proj@rfc.test' });
    const sub = await scim.get(`/Users/${id}?attributes=name.givenName,emails.value`);
    expect(sub.body).toEqual({ schemas: [USER, ENTERPRISE], id, name: { givenName: 'proj' }, emails: [{ value: 'proj@rfc.test' }] });
    const withoutGiven = await scim.get(`/Users/${id}?excludedAttributes=name.givenName,meta`);
    expect(withoutGiven.body!.name).toEqual({ familyName: 'Tester' });
    expect(withoutGiven.body!.meta).toBeUndefined();
    expect(withoutGiven.body!.userName).toBe('proj@rfc.test');
    const department = await scim.get(`/Users?attributes=${encodeURIComponent(`${ENTERPRISE}:department`)}`);
    expect(department.body!.Resources).toEqual([{ schemas: [USER, ENTERPRISE], id, [ENTERPRISE]: { department: 'Sales' } }]);
    const noExtension = await scim.get(`/Users/${id}?excludedAttributes=${encodeURIComponent(ENTERPRISE)}`);
    expect(noExtension.body![ENTERPRISE]).toBeUndefined();
    // `id` is returned always (RFC 7643 §3.1), even when excluded.
    expect((await scim.get(`/Users/${id}?excludedAttributes=id,userName`)).body).toMatchObject({ id });

    const group = (
      await scim.post('/Groups?attributes=displayName', { schemas: [GROUP], displayName: 'Projected', members: [{ value: id }] })
    ).body!;
    expect(group).toEqual({ schemas: [GROUP], id: group.id, displayName: 'Projected' });
    expect((await scim.get(`/Groups/${group.id}?attributes=members.value`)).body).toEqual({
      schemas: [GROUP],
      id: group.id,
      members: [{ value: id }],
    });
    expect((await scim.get(`/Groups?excludedAttributes=members,meta`)).body!.Resources).toEqual([
      { schemas: [GROUP], id: group.id, displayName: 'Projected' },
    ]);
    const patched = await scim.patch(`/Users/${id}?attributes=title`, [{ op: 'add', path: 'title', value: 'Lead' }]);
    expect(patched.body).toEqual({ schemas: [USER, ENTERPRISE], id, title: 'Lead' });
    const replaced = await scim.request('PUT', `/Users/${id}?excludedAttributes=emails,name,meta,${encodeURIComponent(ENTERPRISE)}`, {
      schemas: [USER],
      userName: 'proj@rfc.test',
      displayName: 'Proj',
      emails: [{ value: 'proj@rfc.test', primary: true }],
    });
    expect(replaced.body).toEqual({ schemas: [USER], id, userName: 'proj@rfc.test', displayName: 'Proj', active: true });
  });
});
