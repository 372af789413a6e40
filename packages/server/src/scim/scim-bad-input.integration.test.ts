import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { IntegrationEntity } from '../integrations/integration.entity.js';
import { IntegrationStatus } from '../integrations/integration-kinds.js';
import { hashToken, newSecretToken } from '../auth/tokens.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { ScimClient, scimFilter, type ScimResponse } from '../../test/scim-client.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe.each(dialects)('SCIM bad input (%s)', (dialect) => {
  let roster: TestRoster;
  let scim: ScimClient;
  let accountId: string;
  let userId: string;
  let foreign: { userId: string; groupId: string; scimUserId: string };

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    accountId = account.id;
    const integration = await build.aScimIntegration(account.id);
    scim = new ScimClient(roster.url, integration.token);
    userId = (await scim.post('/Users', { schemas: [USER], userName: 'kept@bad.test', emails: [{ value: 'kept@bad.test' }], active: true }))
      .body!.id;

    const other = await build.anAccount();
    const otherIntegration = await build.aScimIntegration(other.id);
    const otherScim = new ScimClient(roster.url, otherIntegration.token);
    const foreignScimUser = await otherScim.post('/Users', {
      schemas: [USER],
      userName: 'theirs@bad.test',
      emails: [{ value: 'theirs@bad.test' }],
      active: true,
    });
    foreign = {
      userId: (await build.aUser(other.id)).id,
      groupId: (await build.aGroup(other.id)).id,
      scimUserId: foreignScimUser.body!.id,
    };
  });
  afterAll(() => roster?.close());

  /** Everything a SCIM client could have changed in the account, to prove a refused request changed nothing. */
  const snapshot = async () => ({
    users: await roster.dataSource.getRepository(MembershipEntity).find({ where: { accountId }, order: { id: 'ASC' } }),
    groups: await roster.dataSource.getRepository(GroupEntity).find({ where: { accountId }, order: { id: 'ASC' } }),
  });

  const expectScimError = (response: ScimResponse, status: number, scimType?: string) => {
    expect(response.status).toBe(status);
    expect(response.contentType).toMatch(/^application\/scim\+json/);
    expect(response.body).toMatchObject({ schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}) });
    expect(typeof response.body!.detail).toBe('string');
  };

  it('refuses a missing, wrong, rotated or disabled token with 401 and the SCIM error body', async () => {
    const before = await snapshot();
    const post = { schemas: [USER], userName: 'intruder@bad.test', emails: [{ value: 'intruder@bad.test' }] };
    const noToken = await fetch(`${roster.url}/scim/v2/Users`);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectScimError(await new ScimClient(roster.url, 'not-a-token').post('/Users', post), 401);

    const build = builders(roster.dataSource);
    const rotated = await build.aScimIntegration(accountId);
    // Rotation replaces the stored hash: the old token stops working at once.
    await roster.dataSource.getRepository(IntegrationEntity).update({ id: rotated.id }, { scimTokenHash: hashToken(newSecretToken()) });
    expectScimError(await new ScimClient(roster.url, rotated.token).post('/Users', post), 401);

    const disabled = await build.aScimIntegration(accountId, {}, { status: IntegrationStatus.DISABLED });
    expectScimError(await new ScimClient(roster.url, disabled.token).get('/Users'), 401);
    expect(await snapshot()).toEqual(before);
  });

  it('answers malformed JSON with 400 invalidSyntax', async () => {
    const before = await snapshot();
    expectScimError(
      await scim.request('POST', '/Users', '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": '),
      400,
      'invalidSyntax',
    );
    expectScimError(await scim.request('PATCH', `/Users/${userId}`, '{"Operations": [ {"op": "replace", '), 400, 'invalidSyntax');
    expect(await snapshot()).toEqual(before);
  });

  it('answers an unsupported or invalid filter with 400 invalidFilter', async () => {
    expectScimError(await scim.get(`/Users?${scimFilter('userName sw "kept"')}`), 400, 'invalidFilter');
    expectScimError(await scim.get(`/Users?${scimFilter('userName eq "a" or userName eq "b"')}`), 400, 'invalidFilter');
    expectScimError(await scim.get(`/Users?${scimFilter('title eq "CTO"')}`), 400, 'invalidFilter');
    expectScimError(await scim.get(`/Users?${scimFilter('userName eq kept@bad.test')}`), 400, 'invalidFilter');
    expectScimError(await scim.get(`/Groups?${scimFilter('members[value eq "x"]')}`), 400, 'invalidFilter');
  });

  it('answers a malformed search with the SCIM error a GET would get', async () => {
    expectScimError(await scim.request('POST', '/Users/.search', []), 400, 'invalidSyntax');
    expectScimError(await scim.search('/Users', { filter: { userName: 'kept@bad.test' } }), 400, 'invalidFilter');
    expectScimError(await scim.search('/Groups', { filter: 'members[value eq "x"]' }), 400, 'invalidFilter');
    expectScimError(await scim.search('/Users', { attributes: [5] }), 400, 'invalidValue');
    // At the root, a filter neither Users nor Groups can answer is refused rather than answered empty.
    expectScimError(await scim.search('', { filter: 'title eq "CTO"' }), 400, 'invalidFilter');
    expectScimError(await scim.search('', { filter: 'userName eq "a" or displayName eq "b"' }), 400, 'invalidFilter');
  });

  it('refuses a 10 MB body with 413 before reading it', async () => {
    const before = await snapshot();
    const huge = JSON.stringify({
      schemas: [USER],
      userName: 'huge@bad.test',
      emails: [{ value: 'huge@bad.test' }],
      title: 'x'.repeat(10 * 1024 * 1024),
    });
    expectScimError(await scim.request('POST', '/Users', huge), 413);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses unknown or missing schemas with 400 invalidValue', async () => {
    const before = await snapshot();
    expectScimError(
      await scim.post('/Users', {
        schemas: [USER, 'urn:example:params:scim:schemas:custom:1.0:Pet'],
        userName: 'pet@bad.test',
        emails: [{ value: 'pet@bad.test' }],
      }),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim.post('/Users', { userName: 'noschema@bad.test', emails: [{ value: 'noschema@bad.test' }] }),
      400,
      'invalidValue',
    );
    expectScimError(await scim.post('/Groups', { schemas: [USER], displayName: 'Not a group' }), 400, 'invalidValue');
    expectScimError(
      await scim.request('PATCH', `/Users/${userId}`, { schemas: [USER], Operations: [{ op: 'replace', value: { active: false } }] }),
      400,
      'invalidValue',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses users it cannot invite, and values that make no sense', async () => {
    const before = await snapshot();
    expectScimError(await scim.post('/Users', { schemas: [USER], emails: [{ value: 'nousername@bad.test' }] }), 400, 'invalidValue');
    expectScimError(
      await scim.post('/Users', { schemas: [USER], userName: 'just-a-name', emails: [{ value: 'not-an-address' }] }),
      400,
      'invalidValue',
    );
    expectScimError(await scim.patch(`/Users/${userId}`, [{ op: 'replace', path: 'active', value: 'maybe' }]), 400, 'invalidValue');
    expectScimError(await scim.patch(`/Users/${userId}`, [{ op: 'delete', path: 'active' }]), 400, 'invalidSyntax');
    expectScimError(await scim.patch(`/Users/${userId}`, [{ op: 'remove' }]), 400, 'noTarget');
    expect(await snapshot()).toEqual(before);
  });

  it("answers 404 for another account's users and groups, and for users this integration did not provision", async () => {
    const before = await snapshot();
    for (const id of [foreign.userId, foreign.scimUserId, 'not-an-id']) {
      expectScimError(await scim.get(`/Users/${id}`), 404);
      expectScimError(await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]), 404);
      expectScimError(await scim.put(`/Users/${id}`, { schemas: [USER], userName: 'x@bad.test', emails: [{ value: 'x@bad.test' }] }), 404);
      expectScimError(await scim.delete(`/Users/${id}`), 404);
    }
    expectScimError(await scim.get(`/Groups/${foreign.groupId}`), 404);
    expectScimError(await scim.delete(`/Groups/${foreign.groupId}`), 404);
    expectScimError(await scim.patch(`/Groups/${foreign.groupId}`, [{ op: 'add', path: 'members', value: [{ value: userId }] }]), 404);
    expect(await snapshot()).toEqual(before);
    const theirs = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id: foreign.scimUserId });
    expect(theirs.status).not.toBe('SUSPENDED');
  });

  it("never puts another account's user into a group", async () => {
    const group = await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Guarded' });
    expect(group.status).toBe(201);
    const patched = await scim.patch(`/Groups/${group.body!.id}`, [
      { op: 'add', path: 'members', value: [{ value: foreign.userId }, { value: userId }] },
    ]);
    expect(patched.status).toBe(204);
    const read = await scim.get(`/Groups/${group.body!.id}`);
    expect(read.body!.members.map((m: { value: string }) => m.value)).toEqual([userId]);
  });

  it('refuses a name over 200 characters with 400 invalidValue that names the attribute, on create, replace and patch', async () => {
    const before = await snapshot();
    const long = 'N'.repeat(201);
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'long@bad.test',
      emails: [{ value: 'long@bad.test' }],
      displayName: long,
    });
    expectScimError(created, 400, 'invalidValue');
    expect(created.body!.detail).toContain('"displayName": The name has 201 characters; at most 200 are allowed.');
    const replaced = await scim.put(`/Users/${userId}`, { schemas: [USER], userName: 'kept@bad.test', name: { formatted: long } });
    expectScimError(replaced, 400, 'invalidValue');
    expect(replaced.body!.detail).toContain('"name.formatted"');
    const patched = await scim.patch(`/Users/${userId}`, [{ op: 'replace', path: 'displayName', value: long }]);
    expectScimError(patched, 400, 'invalidValue');
    expect(patched.body!.detail).toContain('"displayName"');
    expect(await snapshot()).toEqual(before);
  });
});
