import type { Services } from '../core/context.js';
import type { IntegrationEntity } from '../integrations/integration.entity.js';
import { GROUP_SCHEMA } from './scim-schemas.js';
import type { GroupRow, Page, ScimDirectory } from './scim-directory.js';
import { scimBadRequest, scimConflict, scimNotFound } from './scim-error.js';
import type { ScimCriterion } from './scim-filter.js';
import { elementMatches, keyOf, parseAttributePath, valueOf, type PatchOperation } from './scim-patch.js';
import { ProvisionAction } from '../integrations/index.js';
import { ExternalResourceType } from '../integrations/index.js';
import { provisioningCall } from './scim-response.js';
import { project, shows, type Projection } from './scim-list-request.js';

type Json = Record<string, unknown>;
const KNOWN_GROUP_ATTRIBUTES = new Set(['schemas', 'id', 'externalid', 'displayname', 'members', 'meta']);

/** SCIM Groups: Roster groups this integration pushed, with their members (Roster user ids). */
export class GroupResources {
  constructor(
    private readonly services: Services,
    private readonly directory: ScimDirectory,
  ) {}

  async list(
    integration: IntegrationEntity,
    criteria: ScimCriterion[],
    page: Page,
    projection: Projection,
    baseUrl: string,
  ): Promise<{ total: number; resources: Json[] }> {
    const withMembers = shows(projection, 'members');
    const { total, rows } = await this.directory.listGroups(integration, criteria, page, withMembers);
    const resources = await this.render(integration, rows, withMembers, baseUrl);
    return { total, resources: resources.map((r) => project(r, projection)) };
  }

  async get(integration: IntegrationEntity, id: string, projection: Projection, baseUrl: string): Promise<Json> {
    const withMembers = shows(projection, 'members');
    const row = await this.directory.group(integration, id, withMembers);
    if (!row) throw scimNotFound('Group', id);
    const [resource] = await this.render(integration, [row], withMembers, baseUrl);
    return project(resource!, projection);
  }

  async create(integration: IntegrationEntity, body: unknown, projection: Projection, baseUrl: string): Promise<Json> {
    const input = readGroupResource(body);
    const externalId = await this.directory.indexableExternalId(integration, ExternalResourceType.GROUP, input.externalId, null);
    const result = await provisioningCall(() =>
      this.services.provisioning.upsertGroup(
        integration,
        { externalId, displayName: input.displayName, attributes: externalIdAttributes(input.externalId) },
        { mustBeNew: true },
      ),
    );
    if (result.action === ProvisionAction.CONFLICT)
      throw scimConflict(`This integration already provisioned a group called ${JSON.stringify(input.displayName)}.`);
    if (input.memberIds.length) await this.services.provisioning.changeGroupMembers(integration, result.groupId, { add: input.memberIds });
    return this.get(integration, result.groupId, projection, baseUrl);
  }

  async replace(integration: IntegrationEntity, id: string, body: unknown, projection: Projection, baseUrl: string): Promise<Json> {
    await this.mustExist(integration, id);
    const input = readGroupResource(body);
    const externalId = await this.directory.indexableExternalId(integration, ExternalResourceType.GROUP, input.externalId, id);
    await provisioningCall(() =>
      this.services.provisioning.updateGroup(integration, id, {
        displayName: input.displayName,
        externalId,
        attributes: externalIdAttributes(input.externalId),
      }),
    );
    await this.services.provisioning.changeGroupMembers(integration, id, { add: input.memberIds, replace: true });
    return this.get(integration, id, projection, baseUrl);
  }

  /**
   * Member changes as Okta and Entra ID send them: add with a value list, remove with `members[value eq "id"]`
   * or (Entra) with the ids in `value`, remove of `members` without a value (all), replace; and renames.
   */
  async patch(integration: IntegrationEntity, id: string, operations: PatchOperation[]): Promise<void> {
    await this.mustExist(integration, id);
    for (const operation of operations) {
      const changes = operation.path ? [{ path: operation.path, value: operation.value }] : pathlessChanges(operation.value);
      for (const change of changes) {
        const path = parseAttributePath(change.path);
        const attribute = path.attribute.toLowerCase();
        if (attribute === 'displayname' || attribute === 'externalid') {
          if (operation.op === 'remove' && attribute === 'displayname')
            throw scimBadRequest('mutability', 'A group keeps its displayName.');
          const value = operation.op === 'remove' ? null : change.value;
          if (value !== null && (typeof value !== 'string' || !value.trim()))
            throw scimBadRequest('invalidValue', `"${path.attribute}" must be a non-empty string.`);
          const changes =
            attribute === 'displayname'
              ? { displayName: checkedName(value as string) }
              : {
                  externalId: await this.directory.indexableExternalId(integration, ExternalResourceType.GROUP, value as string | null, id),
                  attributes: externalIdAttributes(value as string | null),
                };
          await provisioningCall(() => this.services.provisioning.updateGroup(integration, id, changes));
          continue;
        }
        if (attribute !== 'members')
          throw scimBadRequest('invalidPath', `Groups have no attribute ${JSON.stringify(path.attribute)} Roster can change.`);
        await this.patchMembers(integration, id, operation.op, path.filter, change.value);
      }
    }
  }

  async remove(integration: IntegrationEntity, id: string): Promise<void> {
    await this.mustExist(integration, id);
    await provisioningCall(() => this.services.provisioning.deleteGroup(integration, id));
  }

  private async patchMembers(
    integration: IntegrationEntity,
    id: string,
    op: PatchOperation['op'],
    filter: ReturnType<typeof parseAttributePath>['filter'],
    value: unknown,
  ): Promise<void> {
    const provisioning = this.services.provisioning;
    if (filter) {
      if (op !== 'remove') throw scimBadRequest('invalidPath', 'Add or replace members with "path": "members" and a list of values.');
      const current = await provisioning.memberIdsOf(id);
      const remove = current.filter((memberId) => elementMatches({ value: memberId }, filter));
      await provisioning.changeGroupMembers(integration, id, { remove });
      return;
    }
    const ids = memberIdsIn(value);
    if (op === 'add') await provisioning.changeGroupMembers(integration, id, { add: ids });
    else if (op === 'replace') await provisioning.changeGroupMembers(integration, id, { add: ids, replace: true });
    else if (value === undefined || value === null) await provisioning.changeGroupMembers(integration, id, { add: [], replace: true });
    else await provisioning.changeGroupMembers(integration, id, { remove: ids });
  }

  private async mustExist(integration: IntegrationEntity, id: string): Promise<void> {
    if (!(await this.services.provisioning.findLinkedGroup(integration, { groupId: id }))) throw scimNotFound('Group', id);
  }

  private async render(integration: IntegrationEntity, rows: GroupRow[], withMembers: boolean, baseUrl: string): Promise<Json[]> {
    const displays = withMembers
      ? await this.directory.memberDisplays(integration.accountId, [...new Set(rows.flatMap((r) => r.memberIds))])
      : new Map<string, string>();
    return rows.map(({ group, link, memberIds }) => ({
      schemas: [GROUP_SCHEMA],
      id: group.id,
      ...externalIdOf(link),
      displayName: group.name,
      ...(withMembers
        ? {
            members: memberIds
              .filter((m) => displays.has(m))
              .map((m) => ({ value: m, display: displays.get(m), $ref: `${baseUrl}/Users/${m}`, type: 'User' })),
          }
        : {}),
      meta: {
        resourceType: 'Group',
        created: group.createdAt.toISOString(),
        lastModified: latest(group.createdAt, group.updatedAt, link.lastSeenAt).toISOString(),
        location: `${baseUrl}/Groups/${group.id}`,
      },
    }));
  }
}

const latest = (...dates: Array<Date | null | undefined>) => new Date(Math.max(...dates.map((d) => d?.getTime() ?? 0)));

/** The client's externalId is kept in the link's attributes, indexed or not (see ScimDirectory.indexableExternalId). */
const externalIdAttributes = (externalId: string | null) => (externalId ? { externalId } : null);

function externalIdOf(link: { externalId: string | null; attributes: string | null }): { externalId?: string } {
  const stored = link.attributes ? (JSON.parse(link.attributes) as Json).externalId : undefined;
  const externalId = typeof stored === 'string' ? stored : link.externalId;
  return externalId ? { externalId } : {};
}

function readGroupResource(body: unknown): { displayName: string; externalId: string | null; memberIds: string[] } {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw scimBadRequest('invalidSyntax', 'The body must be a SCIM Group JSON object.');
  const resource = body as Json;
  const schemas = resource.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === GROUP_SCHEMA.toLowerCase())) {
    throw scimBadRequest('invalidValue', `A Group must list the schema "${GROUP_SCHEMA}" in "schemas".`);
  }
  const unknown = schemas.filter((s) => typeof s !== 'string' || s.toLowerCase() !== GROUP_SCHEMA.toLowerCase());
  if (unknown.length) throw scimBadRequest('invalidValue', `Unknown schema ${JSON.stringify(unknown[0])} for a Group.`);
  const displayName = valueOf(resource, 'displayName');
  if (typeof displayName !== 'string' || !displayName.trim())
    throw scimBadRequest('invalidValue', 'A Group needs a non-empty "displayName".');
  const externalId = valueOf(resource, 'externalId');
  return {
    displayName: checkedName(displayName),
    externalId: typeof externalId === 'string' && externalId ? externalId : null,
    memberIds: memberIdsIn(valueOf(resource, 'members') ?? []),
  };
}

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length > 200) throw scimBadRequest('invalidValue', 'A group name has at most 200 characters.');
  return trimmed;
}

/** Member ids from `[{"value": "id"}]`, a single `{"value": "id"}`, or bare id strings. */
function memberIdsIn(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.flatMap((item) => {
    if (typeof item === 'string') return [item];
    if (item && typeof item === 'object') {
      const id = valueOf(item as Json, 'value');
      if (typeof id === 'string') return [id];
    }
    throw scimBadRequest('invalidValue', `A member must be {"value": "<user id>"}, not ${JSON.stringify(item)}.`);
  });
}

/** A path-less group PATCH value: `{"displayName": "x"}`, `{"members": [...]}`, `{"externalId": "x"}`. */
function pathlessChanges(value: unknown): Array<{ path: string; value: unknown }> {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw scimBadRequest('invalidValue', 'A group PATCH without a path needs an object value.');
  return Object.entries(value as Json)
    .filter(([key]) => !['id', 'schemas', 'meta'].includes(key.toLowerCase()))
    .map(([key, v]) => {
      if (!KNOWN_GROUP_ATTRIBUTES.has(key.toLowerCase()))
        throw scimBadRequest('invalidPath', `Groups have no attribute ${JSON.stringify(key)}.`);
      return { path: keyOf(value as Json, key) ?? key, value: v };
    });
}
