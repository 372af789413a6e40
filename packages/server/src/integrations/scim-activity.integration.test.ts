import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ScimClient } from '../../test/scim-client.js';
import { IntegrationEntity } from './integration.entity.js';
import { ScimRequestErrorEntity } from './scim-request-error.entity.js';
import { KEPT_ERRORS } from './scim-activity.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id status } scimToken } }`;
const ACTIVITY = `query($id: ID!, $first: Int) { integration(id: $id) {
  status lastRequestAt scimActivity(first: $first) { at kind action target method path status detail }
} }`;

describe.each(dialects)('what a SCIM integration shows of its identity provider (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false });
    const build = builders(roster.dataSource);
    accountId = (await build.anAccount({ name: 'SCIM activity MSP' })).id;
    await build.aUser(accountId, { email: 'ada@activity.test', role: Role.ADMIN, password: 'admin-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('ada@activity.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  const newScim = async (name: string) => {
    const created = await admin.gql(CREATE, { input: { name, type: 'SCIM' } });
    const { integration, scimToken } = created.data!.createIntegration;
    return { id: integration.id as string, token: scimToken as string, scim: new ScimClient(roster.url, scimToken) };
  };
  const activity = async (id: string, first?: number) => (await admin.gql(ACTIVITY, { id, first })).data!.integration;
  const userBody = (email: string, active = true) => ({
    schemas: [USER],
    userName: email,
    emails: [{ value: email, primary: true }],
    active,
  });

  it('waits for the first request, then shows when the IdP last called and what it created, changed and was refused', async () => {
    const { id, token, scim } = await newScim('Okta');
    expect(await activity(id)).toEqual({ status: 'CONNECTED', lastRequestAt: null, scimActivity: [] });

    const created = await scim.post('/Users', userBody('kim@activity.test'));
    expect(created.status).toBe(201);
    const afterFirst = await activity(id);
    expect(afterFirst.lastRequestAt).not.toBeNull();
    expect(afterFirst.scimActivity).toEqual([
      expect.objectContaining({ kind: 'CREATED', action: 'user.invited', target: 'kim@activity.test' }),
    ]);

    const duplicate = await scim.post('/Users', userBody('kim@activity.test'));
    expect(duplicate.status).toBe(409);
    const deactivated = await scim.patch(`/Users/${created.body!.id}?attributes=userName`, [
      { op: 'replace', path: 'active', value: false },
    ]);
    expect(deactivated.status).toBe(200);

    const later = await activity(id);
    expect(later.scimActivity.map((a: { kind: string }) => a.kind)).toEqual(['DEACTIVATED', 'ERROR', 'CREATED']);
    const error = later.scimActivity[1];
    expect(error).toMatchObject({ action: null, method: 'POST', path: '/Users', status: 409 });
    expect(error.detail).toBe(duplicate.body!.detail);
    // Never the body, the query string or the token.
    const stored = await roster.dataSource.getRepository(ScimRequestErrorEntity).findBy({ integrationId: id });
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain('"primary"');
    expect((await activity(id, 1)).scimActivity).toHaveLength(1);
    expect(errorCode(await admin.gql(ACTIVITY, { id, first: 0 }))).toBe('BAD_USER_INPUT');
  });

  it('writes the last request time at most once a minute, and keeps only the newest errors', async () => {
    const { id, scim } = await newScim('Entra ID');
    const repo = roster.dataSource.getRepository(IntegrationEntity);
    expect((await scim.get('/Users')).status).toBe(200);
    const first = (await repo.findOneByOrFail({ id })).lastRequestAt!;
    expect(first).toBeInstanceOf(Date);
    // Answered, so noted (or not) already: a request within the minute leaves the time as it was.
    expect((await scim.get('/Users')).status).toBe(200);
    expect((await repo.findOneByOrFail({ id })).lastRequestAt!.getTime()).toBe(first.getTime());
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await repo.update({ id }, { lastRequestAt: twoMinutesAgo });
    expect((await scim.get('/Users')).status).toBe(200);
    expect((await repo.findOneByOrFail({ id })).lastRequestAt!.getTime()).toBeGreaterThan(twoMinutesAgo.getTime() + 60_000);

    for (let i = 0; i < KEPT_ERRORS + 3; i++) expect((await scim.get(`/Users/missing-${i}`)).status).toBe(404);
    const kept = await roster.dataSource
      .getRepository(ScimRequestErrorEntity)
      .find({ where: { integrationId: id }, order: { createdAt: 'ASC' } });
    expect(kept).toHaveLength(KEPT_ERRORS);
    expect(kept.at(-1)!.path).toBe(`/Users/missing-${KEPT_ERRORS + 2}`);
  });
});
