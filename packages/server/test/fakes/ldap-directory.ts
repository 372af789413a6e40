import { groupLdif, personLdif, Slapd } from './slapd.js';

/** AD objectGUID bytes made from a small number, so tests can name the GUID string AD would show. */
export function objectGuid(n: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(0x0a0b0c00 + n, 0);
  bytes.writeUInt32BE(0x11223344, 4);
  bytes.writeUInt32BE(0x55667788, 8);
  bytes.writeUInt32BE(n, 12);
  return bytes;
}

/**
 * The directory most LDAP tests start from, under dc=example,dc=org:
 * - ann: AD-shaped (objectGUID 1, userAccountControl 512 = enabled), displayName "Ann Archer";
 * - bob: plain inetOrgPerson (entryUUID is his id), givenName + sn only;
 * - carol: AD-shaped, no mail, userPrincipalName carol@example.org;
 * - dave: AD-shaped, userAccountControl 514 (disabled);
 * - eve: AD-shaped, enabled;
 * - Helpdesk (groupOfNames): ann; Engineering (AD group): bob and the Helpdesk group (nested); Empty (AD group).
 */
export function exampleDirectory(suffix = 'dc=example,dc=org'): {
  ldif: string;
  dn: (uid: string) => string;
  groupDn: (cn: string) => string;
} {
  const dn = (uid: string) => `uid=${uid},ou=people,${suffix}`;
  const groupDn = (cn: string) => `cn=${cn},ou=groups,${suffix}`;
  const ldif =
    personLdif(
      dn('ann'),
      { uid: 'ann', givenName: 'Ann', sn: 'Archer', displayName: 'Ann Archer', mail: 'ann@example.org' },
      { objectGuid: objectGuid(1), userAccountControl: 512 },
    ) +
    personLdif(dn('bob'), { uid: 'bob', givenName: 'Bob', sn: 'Baker', mail: 'bob@example.org' }) +
    personLdif(
      dn('carol'),
      { uid: 'carol', givenName: 'Carol', sn: 'Cole', upn: 'carol@example.org' },
      { objectGuid: objectGuid(3), userAccountControl: 512 },
    ) +
    personLdif(
      dn('dave'),
      { uid: 'dave', givenName: 'Dave', sn: 'Dunn', mail: 'dave@example.org' },
      { objectGuid: objectGuid(4), userAccountControl: 514 },
    ) +
    personLdif(
      dn('eve'),
      { uid: 'eve', givenName: 'Eve', sn: 'Eliot', mail: 'eve@example.org' },
      { objectGuid: objectGuid(5), userAccountControl: 512 },
    ) +
    groupLdif(groupDn('Helpdesk'), 'Helpdesk', [dn('ann')], { description: 'Tier 1' }) +
    groupLdif(groupDn('Engineering'), 'Engineering', [dn('bob'), groupDn('Helpdesk')], { ad: true }) +
    groupLdif(groupDn('Empty'), 'Empty', [], { ad: true });
  return { ldif, dn, groupDn };
}

/** A slapd loaded with `exampleDirectory` (plus `extra` LDIF). */
export async function startExampleSlapd(
  extra = '',
): Promise<{ slapd: Slapd; dn: (uid: string) => string; groupDn: (cn: string) => string }> {
  const { ldif, dn, groupDn } = exampleDirectory();
  const slapd = await new Slapd({ ldif: ldif + extra }).start();
  return { slapd, dn, groupDn };
}
