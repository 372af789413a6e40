import { parse, type Filter } from 'scim2-parse-filter';
import { scimBadRequest } from './scim-error.js';

/**
 * What Roster can filter on: `eq` comparisons joined by `and`, the shapes Okta and Entra ID send
 * (`userName eq "x"`, `externalId eq "x"`, `emails[type eq "work"].value eq "x"`, `displayName eq "x"`).
 * Anything else is refused with `invalidFilter` rather than answered wrongly.
 */
export interface ScimCriterion {
  /** Lower-case attribute path, e.g. `username`, `emails.value`, `emails.type`. */
  attribute: string;
  value: string | number | boolean | null;
}

const FILTERABLE = {
  User: new Set(['id', 'username', 'externalid', 'displayname', 'emails', 'emails.value', 'emails.type', 'emails.primary']),
  Group: new Set(['id', 'displayname', 'externalid']),
} as const;

export function parseScimFilter(resource: 'User' | 'Group', text: string): ScimCriterion[] {
  let ast: Filter;
  try {
    ast = parse(text);
  } catch (error) {
    throw scimBadRequest(
      'invalidFilter',
      `The filter ${JSON.stringify(text)} is not valid SCIM filter syntax: ${(error as Error).message}.`,
    );
  }
  const criteria: ScimCriterion[] = [];
  collect(resource, ast, '', criteria, text);
  return criteria;
}

function collect(resource: 'User' | 'Group', node: Filter, prefix: string, into: ScimCriterion[], text: string): void {
  if (node.op === 'and') {
    for (const inner of (node as { filters: Filter[] }).filters) collect(resource, inner, prefix, into, text);
    return;
  }
  if (node.op === '[]') {
    const valuePath = node as { attrPath: string; valFilter: Filter };
    if (prefix) throw unsupported(text);
    collect(resource, valuePath.valFilter, `${valuePath.attrPath.toLowerCase()}.`, into, text);
    return;
  }
  if (node.op !== 'eq') throw unsupported(text);
  const compare = node as { attrPath: string; compValue: string | number | boolean | null };
  const attribute = prefix + stripSchema(compare.attrPath).toLowerCase();
  if (!FILTERABLE[resource].has(attribute)) {
    throw scimBadRequest(
      'invalidFilter',
      `Filtering ${resource}s on "${compare.attrPath}" is not supported; use userName, externalId, emails or displayName.`,
    );
  }
  into.push({ attribute: attribute === 'emails' ? 'emails.value' : attribute, value: compare.compValue });
}

/** `urn:ietf:params:scim:schemas:core:2.0:User:userName` is the same attribute as `userName`. */
export function stripSchema(path: string): string {
  const match = /^urn:[^ ]*:(?:User|Group):(.+)$/i.exec(path);
  return match ? match[1]! : path;
}

const unsupported = (text: string) =>
  scimBadRequest('invalidFilter', `The filter ${JSON.stringify(text)} is not supported: Roster answers "eq" comparisons joined by "and".`);

/** Attributes whose values compare case-insensitively (RFC 7643: caseExact false). */
const CASE_INSENSITIVE = new Set(['username', 'displayname', 'emails.value', 'emails.type']);

/** Whether a rendered SCIM resource meets every criterion. */
export function meetsCriteria(resource: Record<string, unknown>, criteria: ScimCriterion[]): boolean {
  return criteria.every((criterion) => {
    const [head, sub] = criterion.attribute.split('.') as [string, string | undefined];
    const values = sub ? subValues(resource, head, sub) : [valueOf(resource, head)];
    return values.some((value) => same(value, criterion.value, CASE_INSENSITIVE.has(criterion.attribute)));
  });
}

function valueOf(object: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : object[key];
}

function subValues(resource: Record<string, unknown>, head: string, sub: string): unknown[] {
  const list = valueOf(resource, head);
  if (!Array.isArray(list)) return [];
  return list.filter((item) => item && typeof item === 'object').map((item) => valueOf(item as Record<string, unknown>, sub));
}

function same(actual: unknown, expected: unknown, caseInsensitive: boolean): boolean {
  if (typeof actual === 'string' && typeof expected === 'string')
    return caseInsensitive ? actual.toLowerCase() === expected.toLowerCase() : actual === expected;
  return actual === expected;
}
