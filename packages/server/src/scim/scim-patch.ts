import { parse, type Filter } from 'scim2-parse-filter';
import { scimBadRequest, ScimError } from './scim-error.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path: string | null;
  value: unknown;
}

type Json = Record<string, unknown>;

/**
 * Reads a PatchOp request. Ops are matched case-insensitively, because Entra ID sends `Replace`, `Add` and
 * `Remove`; the `Operations` key is too (some clients send `operations`).
 */
export function readPatchRequest(body: unknown): PatchOperation[] {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw scimBadRequest('invalidSyntax', 'A PATCH body must be a PatchOp JSON object.');
  const request = body as Json;
  const schemas = request.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw scimBadRequest('invalidValue', `A PATCH body must list the schema "${PATCH_OP_SCHEMA}".`);
  }
  const operations = valueOf(request, 'operations');
  if (!Array.isArray(operations) || operations.length === 0)
    throw scimBadRequest('invalidValue', 'A PATCH body needs a non-empty "Operations" list.');
  return operations.map((raw, index) => {
    if (!raw || typeof raw !== 'object') throw scimBadRequest('invalidSyntax', `Operation ${index + 1} is not an object.`);
    const op = String(valueOf(raw as Json, 'op') ?? '').toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw scimBadRequest(
        'invalidSyntax',
        `Operation ${index + 1} has the op ${JSON.stringify(valueOf(raw as Json, 'op'))}; use add, replace or remove.`,
      );
    const path = valueOf(raw as Json, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string')
      throw scimBadRequest('invalidPath', `Operation ${index + 1} has a path that is not a string.`);
    const value = valueOf(raw as Json, 'value');
    if (op !== 'remove' && value === undefined) throw scimBadRequest('invalidValue', `Operation ${index + 1} (${op}) has no value.`);
    return { op, path: path ? path.trim() : null, value };
  });
}

/** A parsed attribute path: `name.givenName`, `emails[type eq "work"].value`, `members[value eq "id"]`. */
export interface AttributePath {
  /** The extension schema URN when the path names one (`urn:...:enterprise:2.0:User:department`). */
  schema: string | null;
  attribute: string;
  filter: Filter | null;
  subAttribute: string | null;
}

const EXTENSION_PATH = /^(urn:ietf:params:scim:schemas:extension:[^ [\]]+?:(?:User|Group)):(.+)$/i;
const CORE_PATH = /^urn:ietf:params:scim:schemas:core:2\.0:(?:User|Group):(.+)$/i;

export function parseAttributePath(path: string): AttributePath {
  let rest = path;
  let schema: string | null = null;
  const core = CORE_PATH.exec(rest);
  if (core) rest = core[1]!;
  else {
    const extension = EXTENSION_PATH.exec(rest);
    if (extension) {
      schema = extension[1]!;
      rest = extension[2]!;
    }
  }
  const match = /^([A-Za-z$][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z$][\w$-]*))?$/s.exec(rest);
  if (!match) {
    // A dotted path without a filter, e.g. name.givenName.
    const dotted = /^([A-Za-z$][\w$-]*)\.([A-Za-z$][\w$-]*)$/.exec(rest);
    if (!dotted) throw scimBadRequest('invalidPath', `The path ${JSON.stringify(path)} is not a SCIM attribute path.`);
    return { schema, attribute: dotted[1]!, filter: null, subAttribute: dotted[2]! };
  }
  let filter: Filter | null = null;
  if (match[2]) {
    try {
      filter = parse(match[2]);
    } catch (error) {
      throw scimBadRequest('invalidPath', `The filter in the path ${JSON.stringify(path)} is not valid: ${(error as Error).message}.`);
    }
  }
  return { schema, attribute: match[1]!, filter, subAttribute: match[3] ?? null };
}

/**
 * Applies PATCH operations to a resource's JSON, the way RFC 7644 §3.5.2 describes, plus what Entra ID sends
 * beyond it: dotted keys such as `name.givenName` inside a path-less value, and a `replace` on
 * `emails[type eq "work"].value` that creates the work email when there is none yet.
 * Attribute names match case-insensitively (RFC 7643 §2.1). Returns a new object.
 */
export function applyPatch(resource: Json, operations: PatchOperation[]): Json {
  const result = structuredClone(resource);
  for (const operation of operations) {
    if (!operation.path) {
      if (operation.op === 'remove') throw new ScimError(400, 'A remove operation needs a path.', 'noTarget');
      if (!operation.value || typeof operation.value !== 'object' || Array.isArray(operation.value)) {
        throw scimBadRequest('invalidValue', `A ${operation.op} without a path needs an object value.`);
      }
      for (const [key, value] of Object.entries(operation.value as Json)) {
        if (/^urn:/i.test(key) && !EXTENSION_PATH.test(key) && !CORE_PATH.test(key)) {
          // The extension's whole object, e.g. {"urn:...:enterprise:2.0:User": {"department": "x"}}.
          if (value && typeof value === 'object' && !Array.isArray(value)) {
            const target = (result[key] as Json | undefined) ?? {};
            result[key] = operation.op === 'replace' ? { ...target, ...(value as Json) } : mergeAdd(target, value as Json);
          } else result[key] = value;
          continue;
        }
        applyAt(result, parseAttributePath(key), operation.op, value);
      }
      continue;
    }
    applyAt(result, parseAttributePath(operation.path), operation.op, operation.value);
  }
  return result;
}

function mergeAdd(target: Json, value: Json): Json {
  const merged = { ...target };
  for (const [key, v] of Object.entries(value)) {
    const existing = keyOf(merged, key);
    if (existing && Array.isArray(merged[existing]) && Array.isArray(v)) merged[existing] = [...(merged[existing] as unknown[]), ...v];
    else merged[existing ?? key] = v;
  }
  return merged;
}

function applyAt(resource: Json, path: AttributePath, op: PatchOpName, value: unknown): void {
  const container = path.schema ? ((resource[keyOf(resource, path.schema) ?? path.schema] ??= {}) as Json) : resource;
  const key = keyOf(container, path.attribute) ?? path.attribute;
  const current = container[key];

  if (path.filter) {
    const list = Array.isArray(current) ? (current as unknown[]) : [];
    const matches = list.filter((item) => item && typeof item === 'object' && elementMatches(item as Json, path.filter!));
    if (op === 'remove') {
      if (path.subAttribute) for (const item of matches) deleteKey(item as Json, path.subAttribute);
      else container[key] = list.filter((item) => !matches.includes(item));
      return;
    }
    if (matches.length === 0) {
      // Entra ID replaces emails[type eq "work"].value on a user that has no work email yet: create it.
      const created: Json = { ...equalities(path.filter) };
      if (path.subAttribute) created[path.subAttribute] = value;
      else if (value && typeof value === 'object') Object.assign(created, value);
      container[key] = [...list, created];
      keepOnePrimary(container[key] as unknown[], isPrimary(created) ? created : undefined);
      return;
    }
    for (const item of matches as Json[]) {
      if (path.subAttribute) item[keyOf(item, path.subAttribute) ?? path.subAttribute] = value;
      else if (value && typeof value === 'object') Object.assign(item, value);
    }
    keepOnePrimary(list, (matches as Json[]).filter(isPrimary).at(-1));
    return;
  }

  if (path.subAttribute) {
    const parent = (current && typeof current === 'object' && !Array.isArray(current) ? current : (container[key] = {})) as Json;
    const subKey = keyOf(parent, path.subAttribute) ?? path.subAttribute;
    if (op === 'remove') delete parent[subKey];
    else parent[subKey] = value;
    return;
  }

  if (op === 'remove') {
    if (Array.isArray(current) && value !== undefined) {
      // Entra ID removes members by listing them in `value` instead of filtering the path.
      const removals = (Array.isArray(value) ? value : [value]).map((v) => JSON.stringify(normaliseKeys(v)));
      container[key] = current.filter((item) => !removals.some((r) => containsAll(normaliseKeys(item), JSON.parse(r))));
    } else delete container[key];
    return;
  }
  if (op === 'add' && Array.isArray(current)) {
    const added = Array.isArray(value) ? value : [value];
    container[key] = [...current, ...added];
    keepOnePrimary(
      container[key] as unknown[],
      added.filter((item): item is Json => !!item && typeof item === 'object' && isPrimary(item)).at(-1),
    );
    return;
  }
  if (op === 'add' && current && typeof current === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
    container[key] = { ...(current as Json), ...(value as Json) };
    return;
  }
  container[key] = value;
}

const isPrimary = (item: Json) => {
  const primary = valueOf(item, 'primary');
  return primary === true || (typeof primary === 'string' && primary.trim().toLowerCase() === 'true');
};

/**
 * RFC 7643 §2.4: `primary: true` appears at most once in a multi-valued attribute; RFC 7644 §3.5.2: when a
 * PATCH makes a value primary, the server sets the others to false.
 */
function keepOnePrimary(list: unknown[], winner: Json | undefined): void {
  if (!winner) return;
  for (const item of list) {
    if (item !== winner && item && typeof item === 'object' && isPrimary(item as Json))
      (item as Json)[keyOf(item as Json, 'primary')!] = false;
  }
}

/** Whether an element of a multi-valued attribute meets a value filter such as `type eq "work"`. */
export function elementMatches(item: Json, filter: Filter): boolean {
  switch (filter.op) {
    case 'and':
      return (filter as { filters: Filter[] }).filters.every((f) => elementMatches(item, f));
    case 'or':
      return (filter as { filters: Filter[] }).filters.some((f) => elementMatches(item, f));
    case 'eq': {
      const compare = filter as { attrPath: string; compValue: unknown };
      const actual = item[keyOf(item, compare.attrPath) ?? compare.attrPath];
      if (typeof actual === 'string' && typeof compare.compValue === 'string')
        return actual.toLowerCase() === compare.compValue.toLowerCase();
      return actual === compare.compValue;
    }
    default:
      throw scimBadRequest('invalidFilter', `Only "eq" (with "and"/"or") is supported inside a path filter.`);
  }
}

function equalities(filter: Filter): Json {
  if (filter.op === 'eq') {
    const compare = filter as { attrPath: string; compValue: unknown };
    return { [compare.attrPath]: compare.compValue };
  }
  if (filter.op === 'and') return Object.assign({}, ...(filter as { filters: Filter[] }).filters.map(equalities));
  return {};
}

function normaliseKeys(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k.toLowerCase(), v]));
}

function containsAll(item: unknown, probe: unknown): boolean {
  if (!probe || typeof probe !== 'object') return item === probe;
  if (!item || typeof item !== 'object') return false;
  return Object.entries(probe as Json).every(([k, v]) => (item as Json)[k] === v);
}

function deleteKey(object: Json, name: string): void {
  const key = keyOf(object, name);
  if (key) delete object[key];
}

/** The existing key of `object` that equals `name` ignoring case. */
export function keyOf(object: Json, name: string): string | undefined {
  if (name in object) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

export function valueOf(object: Json, name: string): unknown {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
}
