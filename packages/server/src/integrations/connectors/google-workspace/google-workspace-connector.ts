import { importPKCS8, SignJWT } from 'jose';
import type { ConnectionCheck, Connector, ConnectorEnvironment, DirectoryGroup, DirectoryPage, DirectoryUser } from '../connector.js';
import { ConnectorError } from '../connector.js';
import { answered, errorJson, readJson, sendWithRetry } from '../http.js';

export interface GoogleWorkspaceCredentials {
  /** The service account's JSON key file, as downloaded from the Google Cloud console. */
  serviceAccountKey: string;
  /** The administrator the service account acts as (domain-wide delegation). */
  adminEmail: string;
  /** The Workspace customer id (C0xxxxxxx), or `my_customer` for the admin's own. */
  customerId: string;
  /** Only the users and groups of this one domain of a multi-domain account (sent as `domain` instead of `customer`). */
  domain?: string;
  /** Only the users of this org unit, e.g. `/Sales`; groups are not placed in org units and are all read. */
  orgUnitPath?: string;
  /** With the org unit, the users of its sub-units too (`yes`, the default, as Google matches) or only those placed in it (`no`). */
  includeSubOrgUnits?: string;
}

export const GOOGLE_DIRECTORY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
];

interface GoogleUser {
  id: string;
  primaryEmail?: string | null;
  name?: { fullName?: string | null } | null;
  suspended?: boolean | null;
  archived?: boolean | null;
  orgUnitPath?: string | null;
}

interface GoogleGroup {
  id: string;
  email?: string | null;
  name?: string | null;
  description?: string | null;
}

interface GoogleMember {
  id?: string;
  type?: string;
}

type GoogleList<K extends string, T> = { [key in K]?: T[] } & { nextPageToken?: string };

interface GoogleErrorBody {
  error: { code?: number; message?: string; errors?: Array<{ reason?: string }> };
}

const PAGE_SIZE = 500;
const GOOGLE = 'Google';
const DIRECTORY = 'the Google Admin SDK';
const RATE_LIMIT_REASONS = ['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded'];

/**
 * Google Workspace through the Admin SDK Directory API v1: a service account signs a JWT for the admin it acts
 * as (domain-wide delegation), exchanges it for an access token (RFC 7523 bearer grant), then reads
 * `users.list`, `groups.list` and `members.list`, following `nextPageToken`. Google throttles with 429 and
 * with 403 `rateLimitExceeded` / `userRateLimitExceeded`; both are retried after a backoff.
 */
export class GoogleWorkspaceConnector implements Connector {
  private token: { value: string; expiresAt: number } | null = null;

  constructor(
    private readonly credentials: GoogleWorkspaceCredentials,
    private readonly env: ConnectorEnvironment,
  ) {}

  async testConnection(): Promise<ConnectionCheck> {
    const { domain, orgUnitPath, includeSubOrgUnits } = this.filters();
    await this.get<GoogleList<'users', GoogleUser>>(this.listUrl('users', { maxResults: '1' }), 'customer');
    await this.get<GoogleList<'groups', GoogleGroup>>(this.listUrl('groups', { maxResults: '1' }), 'customer');
    // The org unit is checked by asking for its users: Google refuses an unknown one (400 INVALID_OU_ID).
    if (orgUnitPath)
      await this.get<GoogleList<'users', GoogleUser>>(this.listUrl('users', { maxResults: '1', ...this.userQuery() }), 'customer');
    const scope = [
      domain ? `domain ${domain}` : null,
      orgUnitPath ? `org unit ${orgUnitPath}${includeSubOrgUnits ? '' : ' without sub-units'}` : null,
    ]
      .filter(Boolean)
      .join(', ');
    return { summary: `Connected to Google Workspace as ${this.credentials.adminEmail.trim()}${scope ? ` (${scope})` : ''}.` };
  }

  async *listUsers(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser>> {
    const { orgUnitPath, includeSubOrgUnits } = this.filters();
    const params = { maxResults: String(PAGE_SIZE), projection: 'basic', orderBy: 'email', ...this.userQuery() };
    for await (const page of this.pages<'users', GoogleUser>('users', (token) => this.listUrl('users', params, token), cursor)) {
      // Google's orgUnitPath clause matches the unit and every unit under it; without sub-units, only those placed in it stay.
      const users =
        orgUnitPath && !includeSubOrgUnits ? page.items.filter((user) => sameOrgUnit(user.orgUnitPath, orgUnitPath)) : page.items;
      yield {
        items: users.map((user) => ({
          externalId: user.id,
          email: user.primaryEmail || null,
          name: user.name?.fullName || null,
          // An archived user keeps their data but cannot sign in, as a suspended one.
          active: user.suspended !== true && user.archived !== true,
        })),
        next: page.next,
      };
    }
  }

  async *listGroups(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryGroup>> {
    const params = { maxResults: String(200) };
    for await (const page of this.pages<'groups', GoogleGroup>('groups', (token) => this.listUrl('groups', params, token), cursor)) {
      const items: DirectoryGroup[] = [];
      for (const group of page.items) {
        const memberExternalIds: string[] = [];
        const membersUrl = (token: string | null) =>
          this.url(`/groups/${encodeURIComponent(group.id)}/members`, { maxResults: '200', ...(token ? { pageToken: token } : {}) });
        for await (const members of this.pages<'members', GoogleMember>('members', membersUrl, null)) {
          // Members may also be nested groups or customer-wide entries; only users become group members.
          for (const member of members.items) if (member.type === 'USER' && member.id) memberExternalIds.push(member.id);
        }
        items.push({
          externalId: group.id,
          name: group.name || group.email || group.id,
          description: group.description || null,
          memberExternalIds,
        });
      }
      yield { items, next: page.next };
    }
  }

  /** Pages of a list; the cursor is Google's own opaque `pageToken`, so a resumed run asks for the same page. */
  private async *pages<K extends string, T>(
    key: K,
    url: (pageToken: string | null) => string,
    cursor: string | null,
  ): AsyncIterable<{ items: T[]; next: string | null }> {
    let token: string | null = cursor;
    do {
      const body: GoogleList<K, T> = await this.get<GoogleList<K, T>>(url(token), key === 'members' ? 'group' : 'customer');
      token = typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : null;
      yield { items: (body[key] ?? []) as T[], next: token };
    } while (token);
  }

  /** The optional filters, checked: a wrong one must fail the test and the run, never widen what is read. */
  private filters(): { domain: string | null; orgUnitPath: string | null; includeSubOrgUnits: boolean } {
    const domain = this.credentials.domain?.trim().toLowerCase() || null;
    if (domain && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain))
      throw new ConnectorError(
        'UPSTREAM_ERROR',
        `"${domain.slice(0, 100)}" is not a domain name: give one such as example.com, or leave the domain empty.`,
      );
    const raw = this.credentials.orgUnitPath?.trim() || null;
    const orgUnitPath = raw ? `/${raw.replace(/^\/+|\/+$/g, '')}` : null;
    const sub = this.credentials.includeSubOrgUnits?.trim().toLowerCase() || 'yes';
    if (!['yes', 'no', 'true', 'false'].includes(sub))
      throw new ConnectorError('UPSTREAM_ERROR', `Include sub-units takes yes or no, not "${sub.slice(0, 20)}".`);
    return { domain, orgUnitPath, includeSubOrgUnits: sub === 'yes' || sub === 'true' };
  }

  /** users.list's `query` for the org unit (Search for users: `orgUnitPath='/Sales'`, a quote escaped as \'). */
  private userQuery(): { query: string } | Record<string, never> {
    const { orgUnitPath } = this.filters();
    if (!orgUnitPath) return {};
    return { query: `orgUnitPath='${orgUnitPath.replace(/'/g, "\\'")}'` };
  }

  /** One domain of a multi-domain account is asked for with `domain`, instead of the whole account's `customer`. */
  private listUrl(list: 'users' | 'groups', params: Record<string, string>, pageToken: string | null = null): string {
    const { domain } = this.filters();
    const owner: Record<string, string> = domain ? { domain } : { customer: this.credentials.customerId.trim() || 'my_customer' };
    return this.url(`/${list}`, { ...owner, ...params, ...(pageToken ? { pageToken } : {}) });
  }

  private url(path: string, params: Record<string, string>): string {
    const base = this.env.googleDirectoryBaseUrl.replace(/\/+$/, '');
    return `${base}/admin/directory/v1${path}?${new URLSearchParams(params).toString()}`;
  }

  private async get<T>(url: string, subject: 'customer' | 'group'): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await sendWithRetry(
        this.env,
        DIRECTORY,
        url,
        async () => ({ headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json' } }),
        isRateLimited,
      );
      if (response.status === 401 && attempt === 0) {
        // The token may have expired between being cached and used: get a new one once.
        this.token = null;
        continue;
      }
      if (!response.ok) throw await directoryError(response, subject, this.credentials, this.filters());
      return readJson<T>(response, DIRECTORY);
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const assertion = await this.signedAssertion();
    const response = await sendWithRetry(this.env, GOOGLE, this.env.googleOAuthTokenUrl, () => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
    }));
    const body = await errorJson<{ access_token: string; expires_in: number; error: string; error_description: string }>(response);
    if (!response.ok || typeof body.access_token !== 'string') throw tokenError(response.status, body.error, body.error_description);
    const lifetimeSeconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    this.token = { value: body.access_token, expiresAt: Date.now() + lifetimeSeconds * 1000 };
    return this.token.value;
  }

  /** The RFC 7523 assertion: signed RS256 with the service account's key, for the admin it acts as. */
  private async signedAssertion(): Promise<string> {
    const key = parseServiceAccountKey(this.credentials.serviceAccountKey);
    let privateKey: CryptoKey;
    try {
      privateKey = await importPKCS8(key.private_key, 'RS256');
    } catch {
      throw new ConnectorError('AUTHENTICATION_FAILED', BAD_KEY);
    }
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: GOOGLE_DIRECTORY_SCOPES.join(' ') })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
      .setIssuer(key.client_email)
      .setSubject(this.credentials.adminEmail.trim())
      .setAudience(this.env.googleOAuthTokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
  }
}

const BAD_KEY =
  'The service account key is not usable: paste the whole JSON key file (with "client_email" and "private_key") downloaded from Google Cloud console → IAM → Service accounts → Keys.';

function parseServiceAccountKey(text: string): { client_email: string; private_key: string; private_key_id?: string } {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw new ConnectorError('AUTHENTICATION_FAILED', BAD_KEY);
  }
  const { client_email, private_key, private_key_id } = (key ?? {}) as Record<string, unknown>;
  if (typeof client_email !== 'string' || typeof private_key !== 'string' || !client_email || !private_key)
    throw new ConnectorError('AUTHENTICATION_FAILED', BAD_KEY);
  return { client_email, private_key, private_key_id: typeof private_key_id === 'string' ? private_key_id : undefined };
}

/** Google's answer to a refused token request, by its OAuth error code; its description is never quoted. */
function tokenError(status: number, error: string | undefined, description: string | undefined): ConnectorError {
  if (error === 'unauthorized_client')
    return new ConnectorError(
      'PERMISSION_DENIED',
      `Google refused domain-wide delegation (unauthorized_client): in the Admin console → Security → API controls → Domain-wide delegation, add the service account's client id with the scopes ${GOOGLE_DIRECTORY_SCOPES.join(',')}.`,
    );
  if (error === 'invalid_grant' && typeof description === 'string' && /signature/i.test(description))
    return new ConnectorError(
      'AUTHENTICATION_FAILED',
      'Google refused the service account key’s signature: the key may have been deleted or replaced; create a new JSON key.',
    );
  if (error === 'invalid_grant')
    return new ConnectorError(
      'AUTHENTICATION_FAILED',
      'Google refused the sign-in (invalid_grant): check the admin email (an existing user of the domain) and that the key is current.',
    );
  if (error === 'invalid_client' || status === 401)
    return new ConnectorError(
      'AUTHENTICATION_FAILED',
      'Google does not know this service account: check the JSON key, or create a new one.',
    );
  return new ConnectorError('UPSTREAM_ERROR', `${answered(GOOGLE, status)} to the token request.`);
}

/** Google's rate limits come as 403 with a reason, besides 429. */
async function isRateLimited(response: Response): Promise<boolean> {
  if (response.status !== 403) return false;
  const body = await errorJson<GoogleErrorBody>(response.clone());
  return (body.error?.errors ?? []).some((e) => RATE_LIMIT_REASONS.includes(e.reason ?? ''));
}

/** An org unit path as Google shows it, compared as the Admin console does (its names are unique whatever the case). */
function sameOrgUnit(path: string | null | undefined, wanted: string): boolean {
  return `/${(path ?? '/').replace(/^\/+|\/+$/g, '')}`.toLowerCase() === wanted.toLowerCase();
}

/**
 * What an error answer means, from its status (and, for a 400, whether Google names the org unit): the body is
 * never quoted, only the settings the admin typed.
 */
async function directoryError(
  response: Response,
  subject: 'customer' | 'group',
  credentials: GoogleWorkspaceCredentials,
  filters: { domain: string | null; orgUnitPath: string | null },
): Promise<ConnectorError> {
  const domain = filters.domain ? ` and "${filters.domain}" must be one of this Workspace account's domains` : '';
  if (response.status === 403)
    return new ConnectorError(
      'PERMISSION_DENIED',
      `Google refused access (403): the admin email must belong to an administrator allowed to read users and groups (e.g. a super admin), the delegation must grant the Directory read scopes${domain}.`,
    );
  if (response.status === 401) return new ConnectorError('AUTHENTICATION_FAILED', `Google refused the access token (401).`);
  if (subject === 'customer' && (response.status === 400 || response.status === 404)) {
    const body = await errorJson<GoogleErrorBody>(response);
    if (filters.orgUnitPath && response.status === 400 && /INVALID_OU_ID/.test(body.error?.message ?? ''))
      return new ConnectorError(
        'PERMISSION_DENIED',
        `Google does not know the org unit "${filters.orgUnitPath}": use its full path as the Admin console shows it under Directory → Organizational units (e.g. /Sales/EMEA).`,
      );
    if (filters.domain)
      return new ConnectorError(
        'PERMISSION_DENIED',
        `Google does not know the domain "${filters.domain}": use one of the domains listed under Admin console → Account → Domains, or leave the domain empty.`,
      );
    return new ConnectorError(
      'PERMISSION_DENIED',
      `Google does not know the customer id "${credentials.customerId.trim()}": use the id from Admin console → Account → Account settings (C0…), or my_customer.`,
    );
  }
  return new ConnectorError('UPSTREAM_ERROR', `${answered(DIRECTORY, response.status)}.`);
}
