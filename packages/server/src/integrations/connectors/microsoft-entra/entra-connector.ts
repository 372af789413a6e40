import type { ConnectionCheck, Connector, ConnectorEnvironment, DirectoryGroup, DirectoryPage, DirectoryUser } from '../connector.js';
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
}

interface GraphCollection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

const PAGE_SIZE = 999;

/**
 * Microsoft Entra ID through Microsoft Graph v1.0: an app registration's client-credentials token,
 * then `/users`, `/groups` and `/groups/{id}/members`, following `@odata.nextLink` and honouring 429
 * `Retry-After`. Needs the application permissions User.Read.All and GroupMember.Read.All with admin consent.
 */
export class EntraConnector implements Connector {
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

  async *listUsers(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser>> {
    const first = `${this.graph()}/v1.0/users?$select=id,displayName,mail,userPrincipalName,accountEnabled&$top=${PAGE_SIZE}`;
    for await (const page of this.pages<GraphUser>(cursor ?? first)) {
      yield {
        items: page.items.map((user) => ({
          externalId: user.id,
          // Guests and unlicensed users often have no mail; their UPN is the address they sign in with.
          email: user.mail || (user.userPrincipalName && !user.userPrincipalName.includes('#EXT#') ? user.userPrincipalName : null) || null,
          name: user.displayName ?? null,
          active: user.accountEnabled !== false,
        })),
        next: page.next,
      };
    }
  }

  async *listGroups(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryGroup>> {
    const first = `${this.graph()}/v1.0/groups?$select=id,displayName,description&$top=${PAGE_SIZE}`;
    for await (const page of this.pages<GraphGroup>(cursor ?? first)) {
      const items: DirectoryGroup[] = [];
      for (const group of page.items) {
        const memberExternalIds: string[] = [];
        for await (const members of this.pages<{ id: string; '@odata.type'?: string }>(
          `${this.graph()}/v1.0/groups/${encodeURIComponent(group.id)}/members?$select=id&$top=${PAGE_SIZE}`,
        )) {
          // Members may also be devices, service principals or nested groups; only users become group members.
          for (const member of members.items)
            if (!member['@odata.type'] || member['@odata.type'] === '#microsoft.graph.user') memberExternalIds.push(member.id);
        }
        items.push({
          externalId: group.id,
          name: group.displayName || group.id,
          description: group.description ?? null,
          memberExternalIds,
        });
      }
      yield { items, next: page.next };
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

  private async get<T>(url: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await sendWithRetry(this.env, GRAPH, url, async () => ({
        headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json' },
      }));
      if (response.status === 401 && attempt === 0) {
        // The token may have expired between being cached and used: get a new one once.
        this.token = null;
        continue;
      }
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
