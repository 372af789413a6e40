import type { MembershipEntity } from '../accounts/membership.entity.js';
import { readName, UserStatus } from '../accounts/index.js';
import { normalizeEmail } from '../core/db/columns.js';
import type { ExternalLinkEntity } from '../integrations/external-link.entity.js';
import type { UpstreamUser } from '../integrations/index.js';
import { scimBadRequest } from './scim-error.js';
import { valueOf } from './scim-patch.js';
import { conformUserAttributes, ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './scim-schemas.js';

export { ENTERPRISE_USER_SCHEMA, USER_SCHEMA };
const KNOWN_USER_SCHEMAS = new Set([USER_SCHEMA.toLowerCase(), ENTERPRISE_USER_SCHEMA.toLowerCase()]);

type Json = Record<string, unknown>;

/** The SCIM attributes Roster keeps in the link (name parts, addresses...), so a client reads back what it wrote. */
const MAX_STORED_ATTRIBUTES = 60_000;

export interface ScimUserInput {
  userName: string;
  upstream: UpstreamUser;
  /** Absent `active` leaves the user's state as it is (PUT) or means active (POST). */
  activeGiven: boolean;
}

/** Checks a User resource body (POST or PUT) and turns it into what the provisioning service takes. */
export function readUserResource(body: unknown): ScimUserInput {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw scimBadRequest('invalidSyntax', 'The body must be a SCIM User JSON object.');
  const resource = body as Json;
  checkSchemas(resource.schemas);
  const userName = valueOf(resource, 'userName');
  if (typeof userName !== 'string' || userName.trim() === '') throw scimBadRequest('invalidValue', 'A User needs a non-empty "userName".');
  const activeValue = valueOf(resource, 'active');
  const externalId = valueOf(resource, 'externalId');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string')
    throw scimBadRequest('invalidValue', '"externalId" must be a string.');
  const attributes = storedAttributes(resource);
  return {
    userName: userName.trim(),
    activeGiven: activeValue !== undefined && activeValue !== null,
    upstream: {
      externalId: externalId ? externalId : null,
      email: pickEmail(attributes),
      name: displayNameOf(attributes),
      active: activeValue === undefined || activeValue === null ? true : readActive(activeValue),
      attributes,
    },
  };
}

export function checkSchemas(schemas: unknown): void {
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === USER_SCHEMA.toLowerCase())) {
    throw scimBadRequest('invalidValue', `A User must list the schema "${USER_SCHEMA}" in "schemas".`);
  }
  const unknown = schemas.filter((s) => typeof s !== 'string' || !KNOWN_USER_SCHEMAS.has(s.toLowerCase()));
  if (unknown.length)
    throw scimBadRequest(
      'invalidValue',
      `Unknown schema ${JSON.stringify(unknown[0])}: Roster knows ${USER_SCHEMA} and ${ENTERPRISE_USER_SCHEMA}.`,
    );
}

/**
 * What a client wrote that Roster keeps: userName first, the externalId, then the declared attributes
 * (conformUserAttributes). `active` is Roster's user state, not stored; `password` is never kept.
 */
export function storedAttributes(resource: Json): Json {
  const { active: _active, userName, ...attributes } = conformUserAttributes(resource, 'refuse');
  const externalId = valueOf(resource, 'externalId');
  // userName first: the list endpoint narrows a userName filter by the stored text before checking it exactly.
  const ordered: Json = {
    ...(typeof userName === 'string' ? { userName: userName.trim() } : {}),
    ...(typeof externalId === 'string' && externalId ? { externalId } : {}),
    ...attributes,
  };
  if (JSON.stringify(ordered).length > MAX_STORED_ATTRIBUTES)
    throw scimBadRequest('invalidValue', 'The User has more attributes than Roster keeps (60 KB of JSON).');
  return ordered;
}

/** SCIM booleans, plus the strings "True"/"False" that Entra ID sends. */
export function readActive(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw scimBadRequest('invalidValue', `"active" must be true or false, not ${JSON.stringify(value)}.`);
}

const looksLikeEmail = (value: unknown): value is string => typeof value === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());

/**
 * The address Roster invites: the primary email, else the work email, else any other, else a userName that is
 * an email address (Okta's default). Addresses that cannot receive mail are passed over.
 */
export function pickEmail(attributes: Json): string {
  const emails = valueOf(attributes, 'emails');
  const list = Array.isArray(emails) ? (emails.filter((e) => e && typeof e === 'object') as Json[]) : [];
  const ranked = [
    ...list.filter((e) => valueOf(e, 'primary') === true || String(valueOf(e, 'primary')).toLowerCase() === 'true'),
    ...list.filter((e) => String(valueOf(e, 'type') ?? '').toLowerCase() === 'work'),
    ...list,
  ].map((e) => valueOf(e, 'value'));
  const chosen = [...ranked, valueOf(attributes, 'userName')].find(looksLikeEmail);
  if (!chosen) throw scimBadRequest('invalidValue', 'A User needs an email address Roster can invite: in "emails" or as the "userName".');
  return normalizeEmail(chosen);
}

/** The name admins see: displayName, else name.formatted, else given and family names; too long is a 400 that says so. */
export function displayNameOf(attributes: Json): string | null {
  const checked = (raw: string, attribute: string) => {
    const reading = readName(raw);
    if (!reading.ok) throw scimBadRequest('invalidValue', `"${attribute}": ${reading.problem}`);
    return reading.name;
  };
  const displayName = valueOf(attributes, 'displayName');
  if (typeof displayName === 'string' && displayName.trim()) return checked(displayName, 'displayName');
  const name = valueOf(attributes, 'name');
  if (name && typeof name === 'object') {
    const formatted = valueOf(name as Json, 'formatted');
    if (typeof formatted === 'string' && formatted.trim()) return checked(formatted, 'name.formatted');
    const parts = [valueOf(name as Json, 'givenName'), valueOf(name as Json, 'familyName')].filter(
      (p) => typeof p === 'string' && p.trim(),
    );
    if (parts.length) return checked(parts.join(' '), 'name');
  }
  return null;
}

export interface UserRow {
  membership: MembershipEntity;
  link: ExternalLinkEntity;
}

/**
 * The SCIM view of a Roster user: what the client wrote, with Roster's id, state and email on top. An attribute
 * the client removed stays removed; only a user whose link holds nothing written (not pushed over SCIM) gets
 * a name from Roster's. The email is always there: a Roster user is the address it invites.
 */
export function toScimUser({ membership, link }: UserRow, baseUrl: string): Json {
  const stored = link.attributes ? (JSON.parse(link.attributes) as Json) : null;
  const { active: _active, userName, ...attributes } = stored ? conformUserAttributes(stored, 'drop') : ({} as Json);
  const resource: Json = { schemas: [USER_SCHEMA], id: membership.id };
  const externalId = (stored && valueOf(stored, 'externalId')) ?? link.externalId;
  if (typeof externalId === 'string' && externalId) resource.externalId = externalId;
  resource.userName = userName ?? membership.email;
  if (!stored) {
    resource.name = nameParts(membership.name ?? membership.email);
    if (membership.name) resource.displayName = membership.name;
  }
  if (!attributes.emails) resource.emails = [{ value: membership.email, type: 'work', primary: true }];
  for (const [key, value] of Object.entries(attributes)) {
    resource[key] = value;
    if (key === ENTERPRISE_USER_SCHEMA) (resource.schemas as string[]).push(ENTERPRISE_USER_SCHEMA);
  }
  resource.active = membership.status !== UserStatus.SUSPENDED;
  resource.meta = {
    resourceType: 'User',
    created: membership.createdAt.toISOString(),
    lastModified: latest(membership.updatedAt, link.lastSeenAt).toISOString(),
    location: `${baseUrl}/Users/${membership.id}`,
  };
  return resource;
}

function nameParts(full: string): Json {
  const words = full.trim().split(/\s+/);
  const familyName = words.length > 1 ? words.pop()! : words[0]!;
  return { formatted: full, givenName: words.join(' ') || familyName, familyName };
}

const latest = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);
