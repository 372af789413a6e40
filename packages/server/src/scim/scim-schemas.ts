import { scimBadRequest } from './scim-error.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

type Json = Record<string, unknown>;

/** RFC 7643 §7: one attribute definition, as `/Schemas` serves it. */
export interface AttributeDefinition {
  name: string;
  type: 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDefinition[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

const attribute = (name: string, description: string, extra: Partial<AttributeDefinition> = {}): AttributeDefinition => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const complex = (name: string, description: string, subAttributes: AttributeDefinition[], extra: Partial<AttributeDefinition> = {}) =>
  attribute(name, description, { type: 'complex', subAttributes, ...extra });

/** The usual shape of a multi-valued attribute (RFC 7643 §2.4): value, display, type, primary. */
const multiValued = (name: string, description: string, types: string[], value: Partial<AttributeDefinition> = {}) =>
  complex(
    name,
    description,
    [
      attribute('value', `The ${name} value.`, value),
      attribute('display', 'A human-readable name, for display only.'),
      attribute('type', 'A label such as work or home.', { canonicalValues: types }),
      attribute('primary', 'The preferred value; true at most once.', { type: 'boolean' }),
    ],
    { multiValued: true },
  );

/**
 * RFC 7643 §4.1 and §8.7.1: the User attributes Roster keeps and returns. Roster reads userName, name,
 * displayName, emails and active; it stores the rest as written so a client reads back what it wrote. Anything
 * not declared here is not kept (RFC 7644 §3.3 lets a service provider ignore attributes it does not define),
 * so every attribute of a response is one `/Schemas` declares. A user's `groups` are not returned (Groups
 * carry their members), so they are not declared either.
 */
const userSchema: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'Unique identifier for the User, typically their sign-in name or email.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', "The components of the user's name.", [
      attribute('formatted', 'The full name.'),
      attribute('familyName', 'The family name.'),
      attribute('givenName', 'The given name.'),
      attribute('middleName', 'The middle name(s).'),
      attribute('honorificPrefix', 'The honorific prefix(es), e.g. Ms.'),
      attribute('honorificSuffix', 'The honorific suffix(es), e.g. III.'),
    ]),
    attribute('displayName', 'The name Roster shows to admins.'),
    attribute('nickName', 'The casual way to address the user.'),
    attribute('profileUrl', "A URI of the user's online profile.", { type: 'reference', referenceTypes: ['external'] }),
    attribute('title', "The user's title, e.g. Vice President."),
    attribute('userType', 'The relationship between the organisation and the user, e.g. Employee.'),
    attribute('preferredLanguage', "The user's preferred written or spoken language, e.g. en-US."),
    attribute('locale', "The user's default location for localisation, e.g. en-US."),
    attribute('timezone', "The user's time zone, e.g. Europe/Paris."),
    attribute('active', 'False suspends the user in Roster; true restores them. Roster cannot remove it.', { type: 'boolean' }),
    attribute('password', 'Accepted and never kept: people set their own Roster password.', { mutability: 'writeOnly', returned: 'never' }),
    multiValued('emails', 'Email addresses; the primary (or work) one receives the invitation. Roster cannot remove them all.', [
      'work',
      'home',
      'other',
    ]),
    multiValued('phoneNumbers', 'Phone numbers.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], { type: 'reference', referenceTypes: ['external'] }),
    complex(
      'addresses',
      'Physical mailing addresses.',
      [
        attribute('formatted', 'The full mailing address.'),
        attribute('streetAddress', 'The street address.'),
        attribute('locality', 'The city or locality.'),
        attribute('region', 'The state or region.'),
        attribute('postalCode', 'The zip or postal code.'),
        attribute('country', 'The country.'),
        attribute('type', 'A label such as work or home.', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'The preferred address; true at most once.', { type: 'boolean' }),
      ],
      { multiValued: true },
    ),
    multiValued('entitlements', 'Entitlements of the user.', []),
    multiValued('roles', 'Roles of the user (kept as sent, not Roster roles).', []),
    multiValued('x509Certificates', 'Certificates of the user (DER, base64).', [], { type: 'binary' }),
  ],
};

const enterpriseUserSchema: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User (kept as sent, not used by Roster)',
  attributes: [
    attribute('employeeNumber', 'Employee number.'),
    attribute('costCenter', 'Cost center.'),
    attribute('organization', 'Organization.'),
    attribute('division', 'Division.'),
    attribute('department', 'Department.'),
    complex('manager', "The user's manager.", [
      attribute('value', 'The id of the manager.'),
      attribute('$ref', 'The URI of the manager.', { type: 'reference', referenceTypes: ['User'] }),
      attribute('displayName', 'The name of the manager.', { mutability: 'readOnly' }),
    ]),
  ],
};

/** RFC 7643 §4.2 and §8.7.1: members carry all four sub-attributes in responses, so all four are declared. */
const groupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'The group name, unique in the MSP account.', { required: true }),
    complex(
      'members',
      'The users in the group.',
      [
        attribute('value', 'The SCIM id of a user.', { mutability: 'immutable' }),
        attribute('$ref', 'The URI of the user.', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }),
        attribute('type', 'The kind of member: always User in Roster.', { mutability: 'immutable', canonicalValues: ['User'] }),
        attribute('display', "The user's name.", { mutability: 'readOnly' }),
      ],
      { multiValued: true },
    ),
  ],
};

export const SCHEMAS: readonly SchemaDefinition[] = [userSchema, groupSchema, enterpriseUserSchema];

/** RFC 7643 §6: the resource types, each with its core schema and extensions. */
export const RESOURCE_TYPES = [
  {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: USER_SCHEMA,
    schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
  },
  {
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'Group',
    schema: GROUP_SCHEMA,
    schemaExtensions: [] as Array<{ schema: string; required: boolean }>,
  },
] as const;

const find = (definitions: readonly AttributeDefinition[], name: string) =>
  definitions.find((d) => d.name.toLowerCase() === name.toLowerCase());

/** Whether `key` names the extension schema (as the key of its object in a resource). */
export const isExtensionKey = (key: string) => key.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase();

/**
 * The User attributes a client wrote, as Roster keeps them: declared attributes only, under their declared
 * names (clients send `Primary` or `Manager.Value`), unassigned values (null, empty lists) dropped, Entra's
 * "True"/"False" strings read as booleans, and at most one primary value per list (RFC 7643 §2.4).
 * `onInvalid: 'refuse'` answers a value of the wrong type with 400 invalidValue (what a client writes);
 * `'drop'` leaves it out (what was stored before these rules).
 */
export function conformUserAttributes(resource: Json, onInvalid: 'refuse' | 'drop'): Json {
  const kept: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (isExtensionKey(key)) {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        if (onInvalid === 'refuse') throw scimBadRequest('invalidValue', `"${ENTERPRISE_USER_SCHEMA}" must be an object.`);
        continue;
      }
      const extension = conformObject(value as Json, enterpriseUserSchema.attributes, onInvalid, ENTERPRISE_USER_SCHEMA);
      if (Object.keys(extension).length) kept[ENTERPRISE_USER_SCHEMA] = extension;
      continue;
    }
    const definition = find(userSchema.attributes, key);
    if (!definition || definition.returned === 'never') continue;
    const conformed = conformValue(value, definition, onInvalid, definition.name);
    if (conformed !== undefined) kept[definition.name] = conformed;
  }
  return kept;
}

function conformObject(object: Json, definitions: readonly AttributeDefinition[], onInvalid: 'refuse' | 'drop', where: string): Json {
  const kept: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const definition = find(definitions, key);
    if (!definition) continue;
    const conformed = conformValue(value, definition, onInvalid, `${where}.${definition.name}`);
    if (conformed !== undefined) kept[definition.name] = conformed;
  }
  return kept;
}

function conformValue(value: unknown, definition: AttributeDefinition, onInvalid: 'refuse' | 'drop', where: string): unknown {
  if (value === null || value === undefined) return undefined;
  const invalid = (expected: string) => {
    if (onInvalid === 'refuse')
      throw scimBadRequest('invalidValue', `"${where}" must be ${expected}, not ${JSON.stringify(value).slice(0, 100)}.`);
    return undefined;
  };
  if (definition.multiValued) {
    const list = Array.isArray(value) ? value : [value];
    const single = { ...definition, multiValued: false };
    const items = list
      .map((item) => conformValue(item, single, onInvalid, where))
      .filter((item) => item !== undefined && !(typeof item === 'object' && Object.keys(item as Json).length === 0));
    if (items.length === 0) return undefined;
    const primaries = items.filter((item) => typeof item === 'object' && (item as Json).primary === true);
    if (primaries.length > 1) {
      if (onInvalid === 'refuse')
        throw scimBadRequest('invalidValue', `"${where}" has ${primaries.length} primary values; RFC 7643 allows one.`);
      for (const item of primaries.slice(1)) (item as Json).primary = false;
    }
    return items;
  }
  switch (definition.type) {
    case 'complex': {
      if (typeof value !== 'object' || Array.isArray(value)) return invalid('an object');
      const object = conformObject(value as Json, definition.subAttributes ?? [], onInvalid, where);
      return Object.keys(object).length ? object : undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      return invalid('true or false');
    case 'integer':
      return Number.isInteger(value) ? value : invalid('a whole number');
    case 'decimal':
      return typeof value === 'number' ? value : invalid('a number');
    default:
      if (typeof value === 'string') return value;
      // Numbers sent for a string attribute (an employeeNumber of 42) are kept as the text they stand for.
      if (typeof value === 'number') return String(value);
      return invalid('a string');
  }
}

/** `/Schemas` entries (RFC 7643 §7), with their location. */
export function servedSchemas(baseUrl: string) {
  return SCHEMAS.map((schema) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    ...schema,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  }));
}

/** `/ResourceTypes` entries (RFC 7643 §6), with their location. */
export function servedResourceTypes(baseUrl: string) {
  return RESOURCE_TYPES.map(({ schemaExtensions, ...type }) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    ...type,
    ...(schemaExtensions.length ? { schemaExtensions } : {}),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
  }));
}
