import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './scim-user.mapper.js';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const MAX_PAGE_SIZE = 1000;

/** RFC 7644 §5: what this endpoint supports, read by IdPs before they provision. */
export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: "The integration's SCIM token, sent as `Authorization: Bearer <token>`.",
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

const attribute = (name: string, description: string, extra: Record<string, unknown> = {}) => ({
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

const multiValued = (name: string, description: string) =>
  attribute(name, description, {
    type: 'complex',
    multiValued: true,
    subAttributes: [attribute('value', 'The value.'), attribute('type', 'A label such as work or home.'), attribute('primary', 'The preferred value.', { type: 'boolean' })],
  });

/** RFC 7643 §7: the attributes Roster reads. Others a client sends are kept and returned as written. */
export function schemas(baseUrl: string) {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: USER_SCHEMA,
      name: 'User',
      description: 'User Account',
      attributes: [
        attribute('userName', 'Unique identifier for the User, typically their sign-in name or email.', { required: true, uniqueness: 'server' }),
        attribute('name', "The components of the user's name.", {
          type: 'complex',
          subAttributes: [attribute('formatted', 'The full name.'), attribute('familyName', 'The family name.'), attribute('givenName', 'The given name.')],
        }),
        attribute('displayName', 'The name Roster shows to admins.'),
        multiValued('emails', 'Email addresses; the primary (or work) one receives the invitation.'),
        attribute('active', 'False suspends the user in Roster; true restores them.', { type: 'boolean' }),
        attribute('externalId', "The identity provider's id for the user.", { caseExact: true }),
      ],
      meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${USER_SCHEMA}` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: GROUP_SCHEMA,
      name: 'Group',
      description: 'Group',
      attributes: [
        attribute('displayName', 'The group name, unique in the MSP account.', { required: true }),
        attribute('members', 'The users in the group.', {
          type: 'complex',
          multiValued: true,
          subAttributes: [attribute('value', 'The SCIM id of a user.', { mutability: 'immutable' }), attribute('display', 'The user name.', { mutability: 'readOnly' })],
        }),
        attribute('externalId', "The identity provider's id for the group.", { caseExact: true }),
      ],
      meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${GROUP_SCHEMA}` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: ENTERPRISE_USER_SCHEMA,
      name: 'EnterpriseUser',
      description: 'Enterprise User (kept as sent, not used by Roster)',
      attributes: [attribute('employeeNumber', 'Employee number.'), attribute('department', 'Department.')],
      meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${ENTERPRISE_USER_SCHEMA}` },
    },
  ];
}

export function listResponse(resources: unknown[], total: number, startIndex: number) {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: resources.length, startIndex, Resources: resources };
}
