import type { Entry } from 'ldapts';
import type { DirectoryGroup, DirectoryUser } from '../connector.js';
import type { LdapSettings } from './ldap-settings.js';

/** AD's userAccountControl flag ACCOUNTDISABLE. */
export const ACCOUNTDISABLE = 0x2;

/** The attributes whose first value is read as text. */
type Value = Entry[string];

function first(value: Value | undefined): string | null {
  const one = Array.isArray(value) ? value[0] : value;
  if (one === undefined) return null;
  const text = (Buffer.isBuffer(one) ? one.toString('utf8') : String(one)).trim();
  return text || null;
}

function all(value: Value | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/** An attribute by name, whatever case the server answered it in (AD says objectGUID, a query may say objectguid). */
function attribute(entry: Entry, name: string): Value | undefined {
  if (name in entry) return entry[name];
  const lower = name.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : entry[key];
}

/**
 * AD's objectGUID (16 bytes) as AD shows it: the first three fields little-endian, the rest in order, e.g.
 * bytes 00 01 02 … 0f → 03020100-0504-0706-0809-0a0b0c0d0e0f.
 */
export function formatObjectGuid(bytes: Buffer): string {
  const hex = (from: number, to: number, reverse = false) => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10)}-${hex(10, 16)}`;
}

/**
 * The id that survives renames and moves: AD's objectGUID, else the standard entryUUID (RFC 4530, OpenLDAP and
 * most others), else the DN (a rename then looks like a new entry).
 */
export function externalIdOf(entry: Entry): string {
  const guid = attribute(entry, 'objectGUID');
  const bytes = Array.isArray(guid) ? guid[0] : guid;
  if (Buffer.isBuffer(bytes) && bytes.length === 16) return formatObjectGuid(bytes);
  return first(attribute(entry, 'entryUUID'))?.toLowerCase() ?? entry.dn;
}

/** Attributes a user search asks for (unknown ones are ignored by the server). */
export function userAttributes(settings: LdapSettings): string[] {
  const names = ['objectGUID', 'entryUUID', 'mail', 'userPrincipalName', 'displayName', 'givenName', 'sn', 'cn', 'userAccountControl'];
  for (const extra of [settings.emailAttribute, settings.nameAttribute]) if (extra && !names.includes(extra)) names.push(extra);
  return names;
}

export const ID_ATTRIBUTES = ['objectGUID', 'entryUUID'];
export const GROUP_ATTRIBUTES = [...ID_ATTRIBUTES, 'cn', 'name', 'description', 'member', 'uniqueMember'];
export const BINARY_ATTRIBUTES = ['objectGUID'];

export function toDirectoryUser(entry: Entry, settings: LdapSettings): DirectoryUser {
  const email = settings.emailAttribute
    ? first(attribute(entry, settings.emailAttribute))
    : (first(attribute(entry, 'mail')) ?? first(attribute(entry, 'userPrincipalName')));
  const given = first(attribute(entry, 'givenName'));
  const sn = first(attribute(entry, 'sn'));
  const name =
    (settings.nameAttribute ? first(attribute(entry, settings.nameAttribute)) : null) ??
    first(attribute(entry, 'displayName')) ??
    ([given, sn].filter(Boolean).join(' ') || first(attribute(entry, 'cn')));
  const control = Number(first(attribute(entry, 'userAccountControl')) ?? 0);
  return {
    externalId: externalIdOf(entry),
    email: email?.toLowerCase() ?? null,
    name,
    active: (control & ACCOUNTDISABLE) === 0,
  };
}

/** A DN compared loosely: case and the spaces around separators do not matter. */
export function dnKey(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

export interface GroupEntry {
  dn: string;
  externalId: string;
  name: string;
  description: string | null;
  /** DNs of members: users or other groups. */
  memberDns: string[];
}

export function toGroupEntry(entry: Entry): GroupEntry {
  return {
    dn: entry.dn,
    externalId: externalIdOf(entry),
    name: first(attribute(entry, 'cn')) ?? first(attribute(entry, 'name')) ?? entry.dn,
    description: first(attribute(entry, 'description')),
    memberDns: [...all(attribute(entry, 'member')), ...all(attribute(entry, 'uniqueMember'))],
  };
}

/**
 * Groups with their members' user ids. `users` maps a user's DN key to its external id. Without `nested`, a
 * group's members are the users named in it; with it, also the users of the groups named in it, to any depth
 * (a loop of groups is walked once).
 */
export function resolveGroups(groups: GroupEntry[], users: Map<string, string>, nested: boolean): DirectoryGroup[] {
  const byDn = new Map(groups.map((group) => [dnKey(group.dn), group]));
  const membersOf = (group: GroupEntry): string[] => {
    const found = new Set<string>();
    const visited = new Set<string>([dnKey(group.dn)]);
    const walk = (current: GroupEntry) => {
      for (const dn of current.memberDns) {
        const key = dnKey(dn);
        const user = users.get(key);
        if (user) found.add(user);
        else if (nested && !visited.has(key)) {
          const inner = byDn.get(key);
          if (inner) {
            visited.add(key);
            walk(inner);
          }
        }
      }
    };
    walk(group);
    return [...found];
  };
  return groups.map((group) => ({
    externalId: group.externalId,
    name: group.name,
    description: group.description,
    memberExternalIds: membersOf(group),
  }));
}
