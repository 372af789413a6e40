/** A SCIM client over real HTTP, sending what IdPs send: a bearer token and application/scim+json bodies. */
export class ScimClient {
  /** Every exchange, in order, so a test can check all the responses it saw (e.g. against the served schemas). */
  readonly exchanges: Array<{ method: string; path: string; response: ScimResponse }> = [];

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimResponse> {
    const response = await fetch(`${this.baseUrl}/scim/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const result = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: text ? (JSON.parse(text) as Record<string, any>) : null,
    };
    this.exchanges.push({ method, path, response: result });
    return result;
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown) => this.request('POST', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);
  search = (path: string, body: Record<string, unknown>) =>
    this.request('POST', `${path}/.search`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body });
  patch = (path: string, operations: unknown[]) =>
    this.request('PATCH', path, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });
  delete = (path: string) => this.request('DELETE', path);
}

export interface ScimResponse {
  status: number;
  contentType: string | null;
  body: Record<string, any> | null;
}

/** `filter=...` made URL-safe, as IdPs encode it. */
export const scimFilter = (expression: string) => `filter=${encodeURIComponent(expression)}`;
