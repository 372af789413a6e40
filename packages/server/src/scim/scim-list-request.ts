import type express from 'express';
import { MAX_PAGE_SIZE } from './scim-discovery.js';
import type { Page } from './scim-directory.js';
import { scimBadRequest } from './scim-error.js';
import { valueOf } from './scim-patch.js';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

type Json = Record<string, unknown>;
/** Lower-case attribute names; `true` means the whole attribute, a map narrows it to sub-attributes. */
type Tree = Map<string, Tree | true>;

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): attribute paths, with or without their
 * schema URN, down to sub-attributes (`name.givenName`, `emails.value`, `urn:...:enterprise:2.0:User:department`).
 */
export interface Projection {
  only: Tree | null;
  excluded: Tree | null;
}

/** What a list asks for, whether it came as GET query parameters or as a POST `.search` body. */
export interface ListRequest {
  filter: string | null;
  page: Page;
  projection: Projection;
}

/** Returned whatever `attributes` says (RFC 7643: `id` is returned always; `schemas` says what the rest means). */
const ALWAYS = new Set(['id', 'schemas']);
const CORE_PREFIX = /^urn:ietf:params:scim:schemas:core:2\.0:(?:User|Group):/i;
const EXTENSION = /^(urn:ietf:params:scim:schemas:extension:[^:]+:2\.0:(?:User|Group))(?::(.+))?$/i;

export function listRequestFromQuery(query: express.Request['query']): ListRequest {
  const filter = query.filter;
  if (filter !== undefined && typeof filter !== 'string') throw scimBadRequest('invalidFilter', 'Send one "filter" parameter.');
  return { filter: filter?.trim() ? filter : null, page: pageOf(query.startIndex, query.count), projection: projectionOf(query) };
}

/** RFC 7644 §3.4.3: the body of `POST .search`, read with the same rules as the query parameters of GET. */
export function listRequestFromSearch(body: unknown): ListRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw scimBadRequest('invalidSyntax', 'A search body must be a SCIM SearchRequest JSON object.');
  const request = body as Json;
  const schemas = valueOf(request, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase())) {
    throw scimBadRequest('invalidValue', `A search body must list the schema "${SEARCH_REQUEST_SCHEMA}".`);
  }
  const filter = valueOf(request, 'filter');
  if (filter !== undefined && filter !== null && typeof filter !== 'string')
    throw scimBadRequest('invalidFilter', '"filter" must be a string.');
  return {
    filter: typeof filter === 'string' && filter.trim() ? filter : null,
    page: pageOf(valueOf(request, 'startIndex'), valueOf(request, 'count')),
    projection: {
      only: treeOf(valueOf(request, 'attributes'), 'attributes'),
      excluded: treeOf(valueOf(request, 'excludedAttributes'), 'excludedAttributes'),
    },
  };
}

export function projectionOf(query: express.Request['query']): Projection {
  return { only: treeOf(query.attributes, 'attributes'), excluded: treeOf(query.excludedAttributes, 'excludedAttributes') };
}

export const NO_PROJECTION: Projection = { only: null, excluded: null };

/** `startIndex` (1-based) and `count` (capped); nonsense values fall back as RFC 7644 §3.4.2.4 says. */
function pageOf(startIndexValue: unknown, countValue: unknown): Page {
  const startIndex = Math.max(1, Math.floor(Number(startIndexValue ?? 1)) || 1);
  const rawCount = countValue === undefined || countValue === null ? 100 : Math.floor(Number(countValue));
  const count = Number.isFinite(rawCount) ? Math.min(Math.max(rawCount, 0), MAX_PAGE_SIZE) : 100;
  return { startIndex, count };
}

/** A comma-separated parameter (GET) or a list of strings (a search body). */
function treeOf(value: unknown, parameter: string): Tree | null {
  if (value === undefined || value === null) return null;
  const names =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? (value as string[]).flatMap((v) => v.split(','))
        : null;
  if (!names) throw scimBadRequest('invalidValue', `"${parameter}" must list attribute names.`);
  const tree: Tree = new Map();
  for (const name of names) {
    const path = pathOf(name);
    if (path.length) insert(tree, path);
  }
  return tree.size ? tree : null;
}

function pathOf(name: string): string[] {
  let rest = name.trim().replace(CORE_PREFIX, '');
  const segments: string[] = [];
  const extension = EXTENSION.exec(rest);
  if (extension) {
    segments.push(extension[1]!);
    if (!extension[2]) return segments.map((s) => s.toLowerCase());
    rest = extension[2];
  }
  // A value filter (`emails[type eq "work"]`) selects values, not attributes: the attribute is what it names.
  rest = rest.replace(/\[.*?\]/g, '');
  segments.push(...rest.split('.').filter(Boolean));
  return segments.map((s) => s.toLowerCase());
}

function insert(tree: Tree, path: string[]): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    tree.set(head, true);
    return;
  }
  const existing = tree.get(head);
  if (existing === true) return;
  const child: Tree = existing ?? new Map();
  tree.set(head, child);
  insert(child, rest);
}

/** Whether a resource rendered under this projection shows the attribute (to skip loading what is not shown). */
export function shows(projection: Projection, attribute: string): boolean {
  const name = attribute.toLowerCase();
  if (projection.only && !projection.only.has(name)) return false;
  return projection.excluded?.get(name) !== true;
}

export function project(resource: Json, projection: Projection): Json {
  let result = resource;
  if (projection.only) result = keep(result, projection.only, true);
  if (projection.excluded) result = drop(result, projection.excluded, true);
  return result;
}

function keep(object: Json, tree: Tree, top: boolean): Json {
  const result: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const lower = key.toLowerCase();
    if (top && ALWAYS.has(lower)) result[key] = value;
    else {
      const node = tree.get(lower);
      if (node) result[key] = node === true ? value : narrow(value, (inner) => keep(inner, node, false));
    }
  }
  return result;
}

function drop(object: Json, tree: Tree, top: boolean): Json {
  const result: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const lower = key.toLowerCase();
    const node = top && ALWAYS.has(lower) ? undefined : tree.get(lower);
    if (node === true) continue;
    result[key] = node ? narrow(value, (inner) => drop(inner, node, false)) : value;
  }
  return result;
}

const isObject = (value: unknown): value is Json => !!value && typeof value === 'object' && !Array.isArray(value);

function narrow(value: unknown, apply: (object: Json) => Json): unknown {
  if (Array.isArray(value)) return value.map((item) => (isObject(item) ? apply(item) : item));
  return isObject(value) ? apply(value) : value;
}
