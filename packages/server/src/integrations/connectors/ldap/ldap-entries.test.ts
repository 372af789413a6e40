import { describe, expect, it } from 'vitest';
import type { Entry } from 'ldapts';
import { withAllRangedMembers } from './ldap-connector.js';
import { formatObjectGuid } from './ldap-entries.js';
import { ldapDestinations, ldapSettings } from './ldap-settings.js';
import { OutboundHttp } from '../../../core/http/outbound-http.js';
import { IntegrationType } from '../../integration-kinds.js';
import { destinationRefusal, integrationKind } from '../catalog.js';
import type { ConnectorEnvironment } from '../connector.js';

describe('LDAP entries and settings', () => {
  it('shows an objectGUID as AD does: first three fields little-endian', () => {
    const bytes = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    expect(formatObjectGuid(bytes)).toBe('03020100-0504-0706-0809-0a0b0c0d0e0f');
  });

  it('reads a large AD group’s members range by range (member;range=…)', async () => {
    const asked: string[][] = [];
    const client = {
      search: async (_dn: string, options: { attributes?: string[] }) => {
        asked.push(options.attributes ?? []);
        const answers: Record<string, Entry> = {
          'member;range=2-*': { dn: 'cn=big', 'member;range=2-3': ['cn=c', 'cn=d'] },
          'member;range=4-*': { dn: 'cn=big', 'member;range=4-*': ['cn=e'] },
        };
        return { searchEntries: [answers[options.attributes![0]!]!], searchReferences: [] };
      },
    };
    const entry = await withAllRangedMembers(client, { dn: 'cn=big', cn: 'big', 'member;range=0-1': ['cn=a', 'cn=b'] });
    expect(entry).toEqual({ dn: 'cn=big', cn: 'big', member: ['cn=a', 'cn=b', 'cn=c', 'cn=d', 'cn=e'] });
    expect(asked).toEqual([['member;range=2-*'], ['member;range=4-*']]);
  });

  it('checks the settings before anything is sent', () => {
    const base = { url: 'ldaps://dc1.example.com', bindDn: 'roster@example.com', bindPassword: 'x', baseDn: 'dc=example,dc=com' };
    expect(ldapSettings(base)).toMatchObject({
      port: 636,
      secure: true,
      startTls: false,
      nestedGroups: false,
      userFilter: '(objectClass=person)',
    });
    expect(() => ldapSettings({ ...base, url: 'https://dc1.example.com' })).toThrow('The server URL must start with ldap:// or ldaps://.');
    expect(() => ldapSettings({ ...base, startTls: 'yes' })).toThrow(/StartTLS is for ldap:\/\/ URLs only/);
    expect(() => ldapSettings({ ...base, startTls: 'maybe' })).toThrow('StartTLS must be yes or no.');
    expect(() => ldapSettings({ ...base, caCertificate: 'not a certificate' })).toThrow(/The CA certificate is not a PEM certificate/);
    expect(() => ldapSettings({ ...base, groupFilter: '(|(a=1)(b=2)' })).toThrow(/group filter .* its parentheses do not balance/);
    // The host is judged by the outbound guard like an https URL; an unparsable URL is left to the connection test.
    expect(ldapDestinations({ url: 'ldap://10.0.0.5' })).toEqual(['https://10.0.0.5:389/']);
    expect(ldapDestinations({ url: 'nonsense' })).toEqual([]);
  });

  it('refuses to save an LDAP server on a private or loopback address unless private networks are allowed', async () => {
    const kind = integrationKind(IntegrationType.LDAP)!;
    const env = (allow: boolean) => ({ http: new OutboundHttp({ allowPrivateNetworks: () => allow }) }) as ConnectorEnvironment;
    expect(await destinationRefusal(kind, { url: 'ldaps://10.1.2.3' }, env(false))).toMatch(/10\.1\.2\.3 .*private, loopback/);
    expect(await destinationRefusal(kind, { url: 'ldap://127.0.0.1:389' }, env(false))).toMatch(/OUTBOUND_ALLOW_PRIVATE_NETWORKS/);
    expect(await destinationRefusal(kind, { url: 'ldap://127.0.0.1:389' }, env(true))).toBeNull();
  });
});
