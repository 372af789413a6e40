import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attribute, Change } from 'ldapts';
import { startExampleSlapd } from '../../../../test/fakes/ldap-directory.js';
import { slapdAvailable, type Slapd } from '../../../../test/fakes/slapd.js';
import { OutboundHttp } from '../../../core/http/outbound-http.js';
import { ConnectorError, type ConnectorEnvironment, type DirectoryPage } from '../connector.js';
import { LdapConnector } from './ldap-connector.js';

async function all<T>(pages: AsyncIterable<DirectoryPage<T>>): Promise<Array<DirectoryPage<T>>> {
  const seen: Array<DirectoryPage<T>> = [];
  for await (const page of pages) seen.push(page);
  return seen;
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe.skipIf(!slapdAvailable())('the LDAP connector against a real slapd', () => {
  let slapd: Slapd;
  let groupDn: (cn: string) => string;
  const env = (overrides: Partial<ConnectorEnvironment> = {}): ConnectorEnvironment => ({
    http: new OutboundHttp({ allowPrivateNetworks: () => true, timeoutMs: 10_000 }),
    sleep: async () => {},
    microsoftLoginBaseUrl: 'https://login.microsoftonline.com',
    microsoftGraphBaseUrl: 'https://graph.microsoft.com',
    googleOAuthTokenUrl: 'https://oauth2.googleapis.com/token',
    googleDirectoryBaseUrl: 'https://admin.googleapis.com',
    ldapPageSize: 2,
    ...overrides,
  });
  const credentials = (overrides: Record<string, string> = {}) => ({
    url: slapd.url,
    bindDn: slapd.bindDn,
    bindPassword: slapd.bindPassword,
    baseDn: slapd.suffix,
    startTls: 'yes',
    caCertificate: slapd.certificates.ca,
    ...overrides,
  });
  const connector = (overrides: Record<string, string> = {}, envOverrides: Partial<ConnectorEnvironment> = {}) =>
    new LdapConnector(credentials(overrides), env(envOverrides));

  beforeAll(async () => {
    ({ slapd, groupDn } = await startExampleSlapd());
  });
  afterAll(async () => {
    await slapd?.stop();
  });

  it('binds over StartTLS trusting the given CA, and says where it reads', async () => {
    await expect(connector().testConnection()).resolves.toEqual({
      summary: `Connected to ${slapd.url} as ${slapd.bindDn} (StartTLS); users are read under ${slapd.suffix}.`,
    });
    // ldaps:// with the CA pasted as one line (its line breaks lost in a one-line box).
    const oneLine = slapd.certificates.ca.replace(/\n/g, ' ');
    await expect(connector({ url: slapd.ldapsUrl, startTls: 'no', caCertificate: oneLine }).testConnection()).resolves.toMatchObject({
      summary: expect.stringContaining(`Connected to ${slapd.ldapsUrl}`),
    });
  });

  it('refuses a server whose certificate the given CA did not sign, over StartTLS and ldaps://', async () => {
    const startTls = await failure(connector({ caCertificate: slapd.certificates.otherCa }).testConnection());
    expect(startTls.code).toBe('UNREACHABLE');
    expect(startTls.message).toMatch(
      /^The certificate of ldap:\/\/127\.0\.0\.1:\d+ is not trusted \(\w+\): paste the certificate of the CA/,
    );
    const ldaps = await failure(connector({ url: slapd.ldapsUrl, startTls: 'no', caCertificate: '' }).testConnection());
    expect(ldaps.message).toMatch(/is not trusted/);
  });

  it('reads users page by page (paged results), mapping AD and plain entries, and resumes from a cursor', async () => {
    const pages = await all(connector().listUsers(null));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.map((p) => p.next === null)).toEqual([...pages.slice(1).map(() => false), true]);
    const users = pages.flatMap((p) => p.items);
    const byEmail = Object.fromEntries(users.map((u) => [u.email, u]));
    expect(Object.keys(byEmail).sort()).toEqual([
      'ann@example.org',
      'bob@example.org',
      'carol@example.org',
      'dave@example.org',
      'eve@example.org',
    ]);
    // objectGUID as AD shows it: the first three fields little-endian.
    expect(byEmail['ann@example.org']).toEqual({
      externalId: '010c0b0a-2211-4433-5566-778800000001',
      email: 'ann@example.org',
      name: 'Ann Archer',
      active: true,
    });
    // No objectGUID: entryUUID; no displayName: givenName + sn.
    expect(byEmail['bob@example.org']).toMatchObject({
      externalId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-/),
      name: 'Bob Baker',
      active: true,
    });
    // No mail: userPrincipalName.
    expect(byEmail['carol@example.org']).toMatchObject({ name: 'Carol Cole' });
    expect(byEmail['dave@example.org']!.active).toBe(false);

    const resumed = await all(connector().listUsers(pages[0]!.next));
    expect(resumed.flatMap((p) => p.items)).toEqual(users.slice(pages[0]!.items.length));
  });

  it('delivers the whole listing again when the entry a resume point names is no longer at its position', async () => {
    const pages = await all(connector().listUsers(null));
    const delivered = pages[0]!.items.length;
    const stale = JSON.stringify({ delivered, last: 'someone-else' });
    expect((await all(connector().listUsers(stale))).flatMap((p) => p.items)).toEqual(pages.flatMap((p) => p.items));
    const beyond = JSON.stringify({ delivered: 50, last: pages[0]!.items.at(-1)!.externalId });
    expect((await all(connector().listUsers(beyond))).flatMap((p) => p.items)).toHaveLength(5);
  });

  it('reads groups with their members, through nested groups when asked', async () => {
    const users = (await all(connector().listUsers(null))).flatMap((p) => p.items);
    const id = (email: string) => users.find((u) => u.email === email)!.externalId;
    const direct = (await all(connector().listGroups(null))).flatMap((p) => p.items);
    const members = (groups: typeof direct, name: string) => groups.find((g) => g.name === name)!.memberExternalIds.sort();
    expect(direct.map((g) => g.name).sort()).toEqual(['Empty', 'Engineering', 'Helpdesk']);
    expect(direct.find((g) => g.name === 'Helpdesk')).toMatchObject({ description: 'Tier 1', memberExternalIds: [id('ann@example.org')] });
    expect(members(direct, 'Engineering')).toEqual([id('bob@example.org')]);
    expect(members(direct, 'Empty')).toEqual([]);
    const nested = (await all(connector({ nestedGroups: 'yes' }).listGroups(null))).flatMap((p) => p.items);
    expect(members(nested, 'Engineering')).toEqual([id('ann@example.org'), id('bob@example.org')].sort());
    // A loop of groups is walked once.
    await slapd.change((admin) =>
      admin.modify(
        groupDn('Helpdesk'),
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [groupDn('Engineering')] }) }),
      ),
    );
    const looped = (await all(connector({ nestedGroups: 'yes' }).listGroups(null))).flatMap((p) => p.items);
    expect(members(looped, 'Helpdesk')).toEqual([id('ann@example.org'), id('bob@example.org')].sort());
    await slapd.change((admin) =>
      admin.modify(
        groupDn('Helpdesk'),
        new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [groupDn('Engineering')] }) }),
      ),
    );
  });

  it('says clearly what is wrong: password, base DN, filter, unreachable server, plain LDAP to a refused address', async () => {
    const password = await failure(connector({ bindPassword: 'wrong' }).testConnection());
    expect(password).toMatchObject({
      code: 'AUTHENTICATION_FAILED',
      message: expect.stringMatching(/refused the bind DN or password \(invalidCredentials\)/),
    });

    const base = await failure(connector({ baseDn: 'ou=nowhere,dc=example,dc=org' }).testConnection());
    expect(base).toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: expect.stringMatching(/^The base DN "ou=nowhere,dc=example,dc=org" does not exist on .* \(noSuchObject\)/),
    });
    const baseInSync = await failure(all(connector({ baseDn: 'ou=nowhere,dc=example,dc=org' }).listUsers(null)));
    expect(baseInSync.message).toBe(base.message);

    const filter = await failure(connector({ userFilter: '(&(objectClass=person)(mail=*)' }).testConnection());
    expect(filter).toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: expect.stringMatching(/^The user filter "\(&\(objectClass=person\)\(mail=\*\)" is not a valid LDAP filter/),
    });

    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const unreachable = await failure(connector({ url: `ldap://127.0.0.1:${closed}` }).testConnection());
    expect(unreachable).toMatchObject({ code: 'UNREACHABLE', message: `ldap://127.0.0.1:${closed} could not be reached (ECONNREFUSED).` });

    const guarded = { http: new OutboundHttp({ allowPrivateNetworks: () => false }) };
    const loopback = await failure(connector({}, guarded).testConnection());
    expect(loopback).toMatchObject({
      code: 'ADDRESS_NOT_ALLOWED',
      message: expect.stringMatching(/127\.0\.0\.1 is a private, loopback.*OUTBOUND_ALLOW_PRIVATE_NETWORKS=true/),
    });
    const byName = await failure(connector({ url: slapd.url.replace('127.0.0.1', 'localhost') }, guarded).testConnection());
    expect(byName.code).toBe('ADDRESS_NOT_ALLOWED');
    const plain = await failure(connector({ url: 'ldap://ldap.example.com', startTls: 'no' }, guarded).testConnection());
    expect(plain).toMatchObject({
      code: 'ADDRESS_NOT_ALLOWED',
      message: expect.stringMatching(/^Plain ldap:\/\/ would send the bind password unencrypted/),
    });
  });
});
