import { Field, InputType, Int, ObjectType, type ClassType } from 'type-graphql';
import { badInput } from '../errors.js';

/** The largest page any list returns; asking for more is refused rather than silently trimmed. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when items follow the last edge of this page.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when items precede the first edge of this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge; pass it as `before` for the previous page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Builds the `XConnection` and `XEdge` types for a node type. */
export function ConnectionType<T extends object>(
  node: ClassType<T>,
  name: string,
  plural = `${name.toLowerCase()}s`,
  /** What totalCount means when it is not an exact count of every match (capped-count.ts). */
  totalCountDescription = 'How many items match the filter, across all pages.',
) {
  @ObjectType(`${name}Edge`, { description: `One ${name.toLowerCase()} in a page, with its cursor.`, simpleResolvers: true })
  class EdgeType {
    @Field(() => String, { description: 'Opaque cursor of this edge.' })
    cursor!: string;

    @Field(() => node, { description: `The ${name.toLowerCase()}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${plural}.`, simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [EdgeType], { description: 'The items of this page, in order.' })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'How to reach the neighbouring pages.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: totalCountDescription })
    totalCount!: number;
  }
  return ConnectionClass;
}

@InputType({ description: 'Which page to read. Use `first`/`after` to go forward or `last`/`before` to go back.' })
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Items after \`after\`; at most ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor to read after (exclusive).' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Items before \`before\`; at most ${MAX_PAGE_SIZE}.` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor to read before (exclusive).' })
  before?: string | null;
}

/** A validated page request: how many, which way, and from where. */
export interface PageRequest {
  size: number;
  direction: 'forward' | 'backward';
  cursor: CursorValue | null;
}

export interface CursorValue {
  /** The sort key of the row the cursor points at (string, number or null). */
  key: string | number | null;
  id: string;
  /** The ordering the cursor belongs to; a cursor from another ordering is refused. */
  order: string;
}

export function encodeCursor(value: CursorValue): string {
  return Buffer.from(JSON.stringify([value.order, value.key, value.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string, field: string, expectedOrder: string): CursorValue {
  const invalid = () => badInput(field, `The cursor given as \`${field}\` is not valid; start again from the first page.`);
  if (raw.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [order, key, id] = parsed as unknown[];
  if (typeof order !== 'string' || typeof id !== 'string' || !(key === null || typeof key === 'string' || typeof key === 'number')) {
    throw invalid();
  }
  if (order !== expectedOrder) {
    throw badInput(field, `The cursor given as \`${field}\` belongs to another sort order; start again from the first page.`);
  }
  return { order, key, id };
}

/** Validates first/after/last/before together, with the field at fault named in the error. */
export function toPageRequest(args: PageArgs | undefined, order: string): PageRequest {
  const { first, after, last, before } = args ?? {};
  if (first != null && last != null) throw badInput('last', 'Give either `first` or `last`, not both.');
  if (after != null && before != null) throw badInput('before', 'Give either `after` or `before`, not both.');
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw badInput(name, `\`${name}\` must be between 0 and ${MAX_PAGE_SIZE}.`);
    }
  }
  if (last != null || before != null) {
    if (first != null) throw badInput('first', '`first` cannot be combined with `before`; use `last`.');
    return { size: last ?? DEFAULT_PAGE_SIZE, direction: 'backward', cursor: before ? decodeCursor(before, 'before', order) : null };
  }
  return { size: first ?? DEFAULT_PAGE_SIZE, direction: 'forward', cursor: after ? decodeCursor(after, 'after', order) : null };
}
