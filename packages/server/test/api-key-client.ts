import type { GraphQLResult, TestClient } from './harness.js';

export interface KeyResult extends GraphQLResult {
  headers: Headers;
}

/** A GraphQL call as a third party makes it: `Authorization: Bearer <key>`, no cookie. */
export async function gqlWithKey(
  baseUrl: string,
  authorization: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<KeyResult> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: GraphQLResult['errors'] };
  return { status: response.status, data: body.data ?? null, errors: body.errors, setCookie: [], headers: response.headers };
}

/** Creates an API key through the API as the signed-in admin of `client`; returns the secret and the key's id. */
export async function createKey(
  client: TestClient,
  scopes: string[],
  options: { name?: string; expiresAt?: string } = {},
): Promise<{ secret: string; id: string }> {
  const result = await client.gql('mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }', {
    input: { name: options.name ?? 'Test key', scopes, expiresAt: options.expiresAt ?? null },
  });
  if (result.errors) throw new Error(`createApiKey failed: ${JSON.stringify(result.errors)}`);
  return { secret: result.data!.createApiKey.secret, id: result.data!.createApiKey.apiKey.id };
}
