/**
 * Checks SCIM responses against the schemas a server serves, as a schema-driven client does (RFC 7643 §7):
 * every attribute present is declared (with the declared name), with the declared type, multiValued and
 * sub-attributes; nothing `returned: never` is returned. Common attributes (id, externalId, meta) are RFC 7643
 * §3.1's. Written for the tests, independent of the server's own schema code.
 */
type Json = Record<string, any>;

interface Attribute {
  name: string;
  type: string;
  multiValued: boolean;
  returned?: string;
  subAttributes?: Attribute[];
}

interface Served {
  schemas: Map<string, Attribute[]>;
  resourceTypes: Array<{ name: string; schema: string; schemaExtensions?: Array<{ schema: string }> }>;
}

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Reads `/Schemas` and `/ResourceTypes` (ListResponses), checking that they agree with each other. */
export function servedSchemas(schemasBody: Json, resourceTypesBody: Json): Served {
  const schemas = new Map<string, Attribute[]>((schemasBody.Resources as Json[]).map((s) => [s.id, s.attributes]));
  const resourceTypes = resourceTypesBody.Resources as Served['resourceTypes'];
  for (const type of resourceTypes) {
    if (!schemas.has(type.schema))
      throw new Error(`Resource type ${type.name} names schema ${type.schema}, which /Schemas does not serve.`);
    for (const extension of type.schemaExtensions ?? []) {
      if (!schemas.has(extension.schema))
        throw new Error(`Resource type ${type.name} names extension ${extension.schema}, which /Schemas does not serve.`);
    }
  }
  return { schemas, resourceTypes };
}

/** The problems of one response body (empty when it conforms); error and discovery bodies have none to check. */
export function schemaProblems(body: Json | null, served: Served): string[] {
  if (!body || !Array.isArray(body.schemas)) return [];
  if (body.schemas.includes(ERROR)) return [];
  if (body.schemas.includes(LIST_RESPONSE))
    return ((body.Resources as Json[] | undefined) ?? []).flatMap((resource, i) =>
      resourceProblems(resource, served).map((p) => `Resources[${i}]: ${p}`),
    );
  return resourceProblems(body, served);
}

function resourceProblems(resource: Json, served: Served): string[] {
  const type = served.resourceTypes.find((t) => (resource.schemas as string[]).includes(t.schema));
  // Discovery resources (Schema, ResourceType, ServiceProviderConfig) are not described by the served schemas.
  if (!type) return [];
  const problems: string[] = [];
  const extensions = (type.schemaExtensions ?? []).map((e) => e.schema);
  for (const schema of resource.schemas as string[]) {
    if (schema !== type.schema && !extensions.includes(schema)) problems.push(`"schemas" lists ${schema}, not a schema of ${type.name}`);
  }
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') continue;
    if (key === 'id' || key === 'externalId') {
      if (typeof value !== 'string') problems.push(`"${key}" is not a string`);
      continue;
    }
    if (key === 'meta') {
      problems.push(...metaProblems(value));
      continue;
    }
    if (extensions.includes(key)) {
      if (!(resource.schemas as string[]).includes(key)) problems.push(`the extension ${key} is present but not listed in "schemas"`);
      if (!value || typeof value !== 'object' || Array.isArray(value)) problems.push(`the extension ${key} is not an object`);
      else
        for (const [name, inner] of Object.entries(value))
          problems.push(
            ...valueProblems(
              `${key}:${name}`,
              inner,
              served.schemas.get(key)!.find((a) => a.name === name),
            ),
          );
      continue;
    }
    problems.push(
      ...valueProblems(
        key,
        value,
        served.schemas.get(type.schema)!.find((a) => a.name === key),
      ),
    );
  }
  return problems;
}

function metaProblems(meta: unknown): string[] {
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return ['"meta" is not an object'];
  const allowed = ['resourceType', 'created', 'lastModified', 'location', 'version'];
  return Object.entries(meta).flatMap(([key, value]) => {
    if (!allowed.includes(key)) return [`"meta.${key}" is not a meta attribute`];
    if (typeof value !== 'string') return [`"meta.${key}" is not a string`];
    if ((key === 'created' || key === 'lastModified') && Number.isNaN(Date.parse(value))) return [`"meta.${key}" is not a dateTime`];
    return [];
  });
}

function valueProblems(path: string, value: unknown, attribute: Attribute | undefined): string[] {
  if (!attribute) return [`"${path}" is not declared (names are compared exactly)`];
  if (attribute.returned === 'never') return [`"${path}" is declared returned: never`];
  if (attribute.multiValued) {
    if (!Array.isArray(value)) return [`"${path}" is multi-valued but not an array`];
    return value.flatMap((item, i) => singleProblems(`${path}[${i}]`, item, attribute));
  }
  if (Array.isArray(value)) return [`"${path}" is single-valued but an array`];
  return singleProblems(path, value, attribute);
}

function singleProblems(path: string, value: unknown, attribute: Attribute): string[] {
  switch (attribute.type) {
    case 'complex': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [`"${path}" is not an object`];
      return Object.entries(value).flatMap(([name, inner]) => {
        const sub = attribute.subAttributes?.find((s) => s.name === name);
        if (!sub) return [`"${path}.${name}" is not a declared sub-attribute`];
        if (sub.multiValued ? !Array.isArray(inner) : Array.isArray(inner))
          return [`"${path}.${name}" does not match multiValued ${sub.multiValued}`];
        return (Array.isArray(inner) ? inner : [inner]).flatMap((item) =>
          sub.type === 'complex' ? [`"${path}.${name}" nests a complex attribute`] : scalarProblems(`${path}.${name}`, item, sub.type),
        );
      });
    }
    default:
      return scalarProblems(path, value, attribute.type);
  }
}

function scalarProblems(path: string, value: unknown, type: string): string[] {
  const ok =
    type === 'boolean'
      ? typeof value === 'boolean'
      : type === 'integer'
        ? Number.isInteger(value)
        : type === 'decimal'
          ? typeof value === 'number'
          : type === 'dateTime'
            ? typeof value === 'string' && !Number.isNaN(Date.parse(value))
            : typeof value === 'string';
  return ok ? [] : [`"${path}" is ${JSON.stringify(value)}, not a ${type}`];
}
