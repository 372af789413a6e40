/** A SCIM client over real HTTP, sending what IdPs send: a bearer token and application/scim+json bodies. */
export class ScimClient {
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
    return { status: response.status, contentType: response.headers.get('content-type'), body: text ? (JSON.parse(text) as Record<string, any>) : null };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown) => this.request('POST', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);
  patch = (path: string, operations: unknown[]) => this.request('PATCH', path, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });
  delete = (path: string) => this.request('DELETE', path);
}

export interface ScimResponse {
  status: number;
  contentType: string | null;
  body: Record<string, any> | null;
}

/** `filter=...` made URL-safe, as IdPs encode it. */
export const scimFilter = (expression: string) => `filter=${encodeURIComponent(expression)}`;
