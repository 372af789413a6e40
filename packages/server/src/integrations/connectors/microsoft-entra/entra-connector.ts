import type {
  ConnectionCheck,
  Connector,
  ConnectorEnvironment,
  DirectoryGroup,
  DirectoryPage,
  DirectoryUser,
  ListOptions,
} from '../connector.js';
import { ConnectorError } from '../connector.js';
import { answered, errorJson, readJson, sameOriginLink, sendWithRetry } from '../http.js';

export interface EntraCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

interface GraphUser {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
}

interface GraphGroup {
  id: string;
  displayName?: string | null;
  description?: string | null;
  /** Delta rounds only: members added, and removed ones marked `@removed`. */
  'members@delta'?: Array<{ id: string; '@odata.type'?: string; '@removed'?: unknown }>;
}

/** In a delta round, an object deleted (or soft-deleted: reason "changed") since the link. */
type Removable<T> = T & { '@removed'?: { reason?: string } };

interface GraphCollection<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

const PAGE_SIZE = 999;
const USER_SELECT = 'id,displayName,mail,userPrincipalName,accountEnabled';
const GROUP_SELECT = 'id,displayName,description';
/** Delta rounds of groups carry their member changes as `members@delta`. */
const GROUP_DELTA_SELECT = 'id,displayName,description,members';

/**
 * Microsoft Entra ID through Microsoft Graph v1.0: an app registration's client-credentials token,
 * then `/users`, `/groups` and `/groups/{id}/members`, following `@odata.nextLink` and honouring 429
 * `Retry-After`. Needs the application permissions User.Read.All and GroupMember.Read.All with admin consent.
 *
 * Change tracking (ListOptions): a full read asked to track changes first takes a deltaLink "from now on"
 * (`/delta?$deltatoken=latest`), then reads as always; the link is carried in the resume cursor and handed back on the
 * last page. Taking it before reading means a change made during the read shows up again next time (harmless: applying it
 * is idempotent), never lost. Reading a whole delta round instead would give the same link, but would spread a big group's
 * members over repeated entries and change the first read every tenant has today. A later listing from that link reads
 * `/users/delta` or `/groups/delta` rounds: changed objects (Graph sends every selected property unless asked for
 * `return=minimal`, which Roster does not), `@removed` ones, and `members@delta`. An expired link (410, or the codes
 * syncStateNotFound / syncStateInvalid / resyncRequired) is CHANGES_EXPIRED.
 */
export class EntraConnector implements Connector {
  readonly tracksChanges = true;
  private token: { value: string; expiresAt: number } | null = null;

  constructor(
    private readonly credentials: EntraCredentials,
    private readonly env: ConnectorEnvironment,
  ) {}

  async testConnection(): Promise<ConnectionCheck> {
    const organization = await this.get<GraphCollection<{ displayName?: string }>>(`${this.graph()}/v1.0/organization?$select=displayName`);
    await this.get<GraphCollection<GraphUser>>(`${this.graph()}/v1.0/users?$top=1&$select=id`);
    return { summary: `Connected to ${organization.value[0]?.displayName ?? 'the Entra ID tenant'}.` };
  }

  async *listUsers(cursor: string | null, options?: ListOptions): AsyncIterable<DirectoryPage<DirectoryUser>> {
    if (isDeltaRound(cursor, options)) {
      for await (const page of this.deltaPages<Removable<GraphUser>>(cursor ?? this.storedLink(options!.changesSince!))) {
        yield { ...page, ...removedOf(page.items), items: page.items.filter((u) => !u['@removed']).map(toDirectoryUser) };
      }
      return;
    }
    const first = `${this.graph()}/v1.0/users?$select=${USER_SELECT}&$top=${PAGE_SIZE}`;
    for await (const page of this.fullPages<GraphUser>('users', USER_SELECT, first, cursor, options)) {
      yield { ...page, items: page.items.map(toDirectoryUser) };
    }
  }

  async *listGroups(cursor: string | null, options?: ListOptions): AsyncIterable<DirectoryPage<DirectoryGroup>> {
    if (isDeltaRound(cursor, options)) {
      for await (const page of this.deltaPages<Removable<GraphGroup>>(cursor ?? this.storedLink(options!.changesSince!))) {
        const items = page.items
          .filter((g) => !g['@removed'])
          .map((group): DirectoryGroup => {
            const members = (group['members@delta'] ?? []).filter(isUserMember);
            const added = members.filter((m) => !m['@removed']).map((m) => m.id);
            return {
              externalId: group.id,
              // A changed group carries its selected properties; should one come without its name, the stage keeps the name it has.
              name: group.displayName ?? '',
              description: group.description ?? null,
              memberExternalIds: added,
              memberChanges: { added, removed: members.filter((m) => m['@removed']).map((m) => m.id) },
            };
          });
        yield { ...page, ...removedOf(page.items), items };
      }
      return;
    }
    const first = `${this.graph()}/v1.0/groups?$select=${GROUP_SELECT}&$top=${PAGE_SIZE}`;
    for await (const page of this.fullPages<GraphGroup>('groups', GROUP_DELTA_SELECT, first, cursor, options)) {
      const items: DirectoryGroup[] = [];
      for (const group of page.items) {
        const memberExternalIds: string[] = [];
        for await (const members of this.pages<{ id: string; '@odata.type'?: string }>(
          `${this.graph()}/v1.0/groups/${encodeURIComponent(group.id)}/members?$select=id&$top=${PAGE_SIZE}`,
        )) {
          // Members may also be devices, service principals or nested groups; only users become group members.
          for (const member of members.items) if (isUserMember(member)) memberExternalIds.push(member.id);
        }
        items.push({
          externalId: group.id,
          name: group.displayName || group.id,
          description: group.description ?? null,
          memberExternalIds,
        });
      }
      yield { ...page, items };
    }
  }

  /**
   * A full read from `first` (or a resume cursor). Asked to track changes, it first takes a deltaLink "from now on"
   * and carries it in its cursors ({"page","changes"} JSON; a plain URL cursor is a read that tracks nothing), so a
   * resumed read still ends with the link taken before it started.
   */
  private async *fullPages<T>(
    kind: 'users' | 'groups',
    deltaSelect: string,
    first: string,
    cursor: string | null,
    options: ListOptions | undefined,
  ): AsyncIterable<{ items: T[]; next: string | null; changesLink?: string }> {
    const resumed = cursor?.startsWith('{') ? (JSON.parse(cursor) as { page: string; changes: string }) : null;
    let changes = resumed?.changes ?? null;
    if (options && cursor === null) {
      const latest = await this.get<GraphCollection<unknown>>(
        `${this.graph()}/v1.0/${kind}/delta?$select=${deltaSelect}&$deltatoken=latest`,
      );
      if (!latest['@odata.deltaLink']) throw new ConnectorError('UPSTREAM_ERROR', `${GRAPH} answered a delta request without a deltaLink.`);
      changes = sameOriginLink(latest['@odata.deltaLink'], this.graph(), GRAPH);
    }
    for await (const page of this.pages<T>(resumed?.page ?? cursor ?? first)) {
      if (!changes) yield page;
      else if (page.next) yield { items: page.items, next: JSON.stringify({ page: page.next, changes }) };
      else yield { items: page.items, next: null, changesLink: changes };
    }
  }

  /**
   * A stored deltaLink, followed only on the Graph address configured now: one for another address (the setting was
   * changed since) is not followed (it would carry the token there) but read as expired, so the run reads everything.
   */
  private storedLink(link: string): string {
    let url: URL | null = null;
    try {
      url = new URL(link);
    } catch {
      // Not a link at all: as good as expired.
    }
    if (!url || url.origin !== new URL(this.graph()).origin)
      throw new ConnectorError(
        'CHANGES_EXPIRED',
        `The delta link of the last sync is for another ${GRAPH} address than the one configured now.`,
      );
    return link;
  }

  /** A delta round from a deltaLink (or a resumed round's nextLink): its last page hands on the next deltaLink. */
  private async *deltaPages<T>(url: string): AsyncIterable<{ items: T[]; next: string | null; changesLink?: string }> {
    let next: string | null = sameOriginLink(url, this.graph(), GRAPH);
    while (next) {
      const body: GraphCollection<T> = await this.get<GraphCollection<T>>(next, { delta: true });
      const link = body['@odata.nextLink'];
      const deltaLink = body['@odata.deltaLink'];
      next = link ? sameOriginLink(link, this.graph(), GRAPH) : null;
      if (!next && !deltaLink) throw new ConnectorError('UPSTREAM_ERROR', `${GRAPH} ended a delta round without a deltaLink.`);
      yield { items: body.value ?? [], next, ...(next ? {} : { changesLink: sameOriginLink(deltaLink!, this.graph(), GRAPH) }) };
    }
  }

  private async *pages<T>(url: string): AsyncIterable<{ items: T[]; next: string | null }> {
    // Links (and a resumed run's cursor) carry the token, so they are followed only on Graph's own origin.
    let next: string | null = sameOriginLink(url, this.graph(), GRAPH);
    while (next) {
      const body: GraphCollection<T> = await this.get<GraphCollection<T>>(next);
      const link = body['@odata.nextLink'];
      next = link ? sameOriginLink(link, this.graph(), GRAPH) : null;
      yield { items: body.value ?? [], next };
    }
  }

  private graph(): string {
    return this.env.microsoftGraphBaseUrl.replace(/\/+$/, '');
  }

  private async get<T>(url: string, how: { delta?: boolean } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await sendWithRetry(this.env, GRAPH, url, async () => ({
        headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json' },
      }));
      if (response.status === 401 && attempt === 0) {
        // The token may have expired between being cached and used: get a new one once.
        this.token = null;
        continue;
      }
      if (how.delta && (await deltaExpired(response)))
        throw new ConnectorError(
          'CHANGES_EXPIRED',
          `${GRAPH} no longer knows the delta link of the last sync (it keeps them about 7 days).`,
        );
      if (!response.ok) throw graphError(response);
      return readJson<T>(response, GRAPH);
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const { tenantId, clientId, clientSecret } = this.credentials;
    const url = `${this.env.microsoftLoginBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const response = await sendWithRetry(this.env, 'Microsoft', url, () => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: clientId,
        client_secret: clientSecret,
        scope: 'https://graph.microsoft.com/.default',
        grant_type: 'client_credentials',
      }).toString(),
    }));
    const body = await errorJson<{ access_token: string; expires_in: number; error: string; error_description: string }>(response);
    if (!response.ok || typeof body.access_token !== 'string') {
      // The answer's text is never quoted (it may be anything the server chose to send); only Microsoft's
      // error number (AADSTS and digits, e.g. AADSTS7000215 for a wrong secret) is, which says what is wrong.
      const aadsts = typeof body.error_description === 'string' ? /^AADSTS\d{1,9}\b/.exec(body.error_description)?.[0] : undefined;
      const reason = aadsts ?? `HTTP ${response.status}`;
      const code =
        ['invalid_client', 'unauthorized_client', 'invalid_request'].includes(body.error ?? '') || response.status === 401
          ? 'AUTHENTICATION_FAILED'
          : 'UPSTREAM_ERROR';
      const hint =
        body.error === 'invalid_client'
          ? 'Microsoft refused the client secret: check that it is the secret’s value (not its id) and has not expired.'
          : body.error === 'invalid_request' || body.error === 'unauthorized_client'
            ? 'Microsoft refused the tenant or application id: check both.'
            : 'Microsoft refused the sign-in.';
      throw new ConnectorError(code, `${hint} (${reason})`);
    }
    const lifetimeSeconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    this.token = { value: body.access_token, expiresAt: Date.now() + lifetimeSeconds * 1000 };
    return this.token.value;
  }
}

const GRAPH = 'Microsoft Graph';

const toDirectoryUser = (user: GraphUser): DirectoryUser => ({
  externalId: user.id,
  // Guests and unlicensed users often have no mail; their UPN is the address they sign in with.
  email: user.mail || (user.userPrincipalName && !user.userPrincipalName.includes('#EXT#') ? user.userPrincipalName : null) || null,
  name: user.displayName ?? null,
  active: user.accountEnabled !== false,
});

const isUserMember = (member: { '@odata.type'?: string }) => !member['@odata.type'] || member['@odata.type'] === '#microsoft.graph.user';

/** `removed` for a delta page's `@removed` objects (soft-deleted, reason "changed", or gone for good, "deleted": both are gone). */
function removedOf(items: Array<Removable<{ id: string }>>): { removed?: string[] } {
  const removed = items.filter((o) => o['@removed']).map((o) => o.id);
  return removed.length ? { removed } : {};
}

/** A listing reads a delta round when asked for changes since a link, or when resuming one (its cursor is a delta nextLink). */
function isDeltaRound(cursor: string | null, options: ListOptions | undefined): boolean {
  if (!options?.changesSince) return false;
  if (cursor === null) return true;
  return !cursor.startsWith('{') && /\/delta(\?|$)/.test(new URL(cursor).pathname + '?');
}

/** Graph's answers to a delta link it no longer honours: 410 Gone, or a code asking for a full synchronisation. */
async function deltaExpired(response: Response): Promise<boolean> {
  if (response.ok) return false;
  if (response.status === 410) return true;
  if (response.status !== 400 && response.status !== 404) return false;
  const body = await errorJson<{ error: { code?: string } }>(response.clone());
  return ['syncstatenotfound', 'syncstateinvalid', 'resyncrequired'].includes(String(body.error?.code ?? '').toLowerCase());
}

/** What an error answer means, from its status alone: the body is never quoted. */
function graphError(response: Response): ConnectorError {
  if (response.status === 403) {
    return new ConnectorError(
      'PERMISSION_DENIED',
      `Microsoft Graph refused access (403). Grant the app the application permissions User.Read.All and GroupMember.Read.All, then "Grant admin consent".`,
    );
  }
  if (response.status === 401) return new ConnectorError('AUTHENTICATION_FAILED', `Microsoft Graph refused the access token (401).`);
  return new ConnectorError('UPSTREAM_ERROR', `${answered(GRAPH, response.status)}.`);
}
