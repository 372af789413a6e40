import type { Client, Entry } from 'ldapts';
import type { ConnectionCheck, Connector, ConnectorEnvironment, DirectoryGroup, DirectoryPage, DirectoryUser } from '../connector.js';
import { ConnectorError } from '../connector.js';
import {
  BINARY_ATTRIBUTES,
  dnKey,
  externalIdOf,
  GROUP_ATTRIBUTES,
  ID_ATTRIBUTES,
  resolveGroups,
  toDirectoryUser,
  toGroupEntry,
  userAttributes,
  type GroupEntry,
} from './ldap-entries.js';
import { resumablePages } from './ldap-resume.js';
import { ldapFailure, openLdapSession, type LdapSession, type LdapStep } from './ldap-session.js';
import { ldapSettings, type LdapSettings } from './ldap-settings.js';

/** Entries per page of a paged search: under Active Directory's default MaxPageSize of 1,000. */
export const LDAP_PAGE_SIZE = 500;

/**
 * Reads users and groups from an LDAP directory (OpenLDAP, Active Directory, and the like): a simple bind over
 * ldaps:// or ldap:// with optional StartTLS, then subtree searches under the base DN with the paged-results
 * control (RFC 2696). Users match the user filter; groups the group filter, with their `member` (or
 * `uniqueMember`) DNs turned into users' external ids, through nested groups when that option is on. Active
 * Directory's objectGUID is the external id when present (renames and moves keep the link), its
 * userAccountControl ACCOUNTDISABLE flag suspends.
 */
export class LdapConnector implements Connector {
  private readonly pageSize: number;

  constructor(
    private readonly credentials: Record<string, string>,
    private readonly env: ConnectorEnvironment,
  ) {
    this.pageSize = Math.min(env.ldapPageSize ?? LDAP_PAGE_SIZE, 999);
  }

  async testConnection(): Promise<ConnectionCheck> {
    return this.withSession(async (session, settings, step) => {
      step('base');
      await session.client.search(settings.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
      step('users');
      const found = await this.firstPageCount(session.client, settings, settings.userFilter);
      step('groups');
      await this.firstPageCount(session.client, settings, settings.groupFilter);
      const who = settings.bindDn ? `as ${settings.bindDn}` : 'anonymously';
      return {
        summary: found
          ? `Connected to ${settings.url} ${who}${settings.startTls ? ' (StartTLS)' : ''}; users are read under ${settings.baseDn}.`
          : `Connected to ${settings.url} ${who}, but no entry under ${settings.baseDn} matches the user filter ${settings.userFilter}.`,
      };
    });
  }

  listUsers(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser>> {
    return this.listing(cursor, 'users', (session, settings) =>
      this.search(session.client, settings, settings.userFilter, userAttributes(settings), (entry) => toDirectoryUser(entry, settings)),
    );
  }

  /** Groups with their members' user ids (see groupBatches). */
  listGroups(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryGroup>> {
    return this.listing(cursor, 'groups', (session, settings) => this.groupBatches(session.client, settings));
  }

  /**
   * Groups need every user's DN (members are named by DN) and, with nested groups, every group before the first
   * can be answered: both are read whole first (ids and member DNs only), then handed out a page at a time.
   */
  private async *groupBatches(client: Client, settings: LdapSettings): AsyncGenerator<DirectoryGroup[]> {
    const users = new Map<string, string>();
    for await (const batch of this.search(client, settings, settings.userFilter, ID_ATTRIBUTES, (e) => e))
      for (const entry of batch) users.set(dnKey(entry.dn), externalIdOf(entry));
    const groups: GroupEntry[] = [];
    for await (const batch of this.search(client, settings, settings.groupFilter, GROUP_ATTRIBUTES, (e) => e))
      for (const entry of batch) groups.push(toGroupEntry(await withAllRangedMembers(client, entry)));
    const resolved = resolveGroups(groups, users, settings.nestedGroups);
    for (let i = 0; i < resolved.length; i += this.pageSize) yield resolved.slice(i, i + this.pageSize);
  }

  /** One bind per listing; the connection lives as long as the listing is read. */
  private async *listing<T extends { externalId: string }>(
    cursor: string | null,
    what: LdapStep,
    read: (session: LdapSession, settings: LdapSettings) => AsyncIterable<T[]>,
  ): AsyncGenerator<DirectoryPage<T>> {
    const settings = ldapSettings(this.credentials);
    const session = await openLdapSession(settings, this.env);
    try {
      yield* resumablePages(cursor, () => read(session, settings));
    } catch (error) {
      throw ldapFailure(error, settings, what);
    } finally {
      await session.close();
    }
  }

  private async withSession<T>(
    work: (session: LdapSession, settings: LdapSettings, step: (s: LdapStep) => void) => Promise<T>,
  ): Promise<T> {
    const settings = ldapSettings(this.credentials);
    const session = await openLdapSession(settings, this.env);
    let current: LdapStep = 'bind';
    try {
      return await work(session, settings, (s) => void (current = s));
    } catch (error) {
      throw ldapFailure(error, settings, current);
    } finally {
      await session.close();
    }
  }

  /** A paged subtree search under the base DN, a page of mapped entries at a time. */
  private async *search<T>(
    client: Client,
    settings: LdapSettings,
    filter: string,
    attributes: string[],
    map: (entry: Entry) => T,
  ): AsyncGenerator<T[]> {
    const pages = client.searchPaginated(settings.baseDn, {
      scope: 'sub',
      filter,
      attributes,
      explicitBufferAttributes: BINARY_ATTRIBUTES,
      paged: { pageSize: this.pageSize },
    });
    for await (const page of pages) {
      if (this.env.signal?.aborted) throw new ConnectorError('UNREACHABLE', 'The read was abandoned.');
      yield page.searchEntries.map(map);
    }
  }

  private async firstPageCount(client: Client, settings: LdapSettings, filter: string): Promise<number> {
    const pages = client.searchPaginated(settings.baseDn, { scope: 'sub', filter, attributes: ['1.1'], paged: { pageSize: 1 } });
    for await (const page of pages) return page.searchEntries.length;
    return 0;
  }
}

const RANGED = /^member;range=(\d+)-(\d+|\*)$/i;

/**
 * Active Directory answers at most 1,500 values of a multi-valued attribute at once (MaxValRange): a large
 * group's members come as `member;range=0-1499`, and the rest must be asked for range by range.
 */
export async function withAllRangedMembers(client: Pick<Client, 'search'>, entry: Entry): Promise<Entry> {
  let key = Object.keys(entry).find((k) => RANGED.test(k));
  if (!key) return entry;
  const members: string[] = [];
  const values = (value: Entry[string] | undefined) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String));
  for (;;) {
    members.push(...values(entry[key]));
    const [, , end] = RANGED.exec(key)!;
    if (end === '*') break;
    const next = `member;range=${Number(end) + 1}-*`;
    const { searchEntries } = await client.search(entry.dn, { scope: 'base', filter: '(objectClass=*)', attributes: [next] });
    const answer = searchEntries[0];
    const nextKey = answer && Object.keys(answer).find((k) => RANGED.test(k));
    if (!answer || !nextKey) break;
    entry = { ...entry, [nextKey]: answer[nextKey]! };
    key = nextKey;
  }
  const whole: Entry = { ...entry, member: members };
  for (const k of Object.keys(whole)) if (RANGED.test(k)) delete whole[k];
  return whole;
}
