import mysql from 'mysql2';
import type { SqlValue, Timezone } from 'mysql2';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/**
 * Most bound values one statement may carry. SQLite refuses more than 32,766 parameters; staying well
 * below also keeps one MySQL statement to a few MB (max_allowed_packet is 16 MB by default).
 */
const MAX_PARAMETERS = 16_000;

export interface BulkInsertOptions {
  /** Rows per statement at most (default 500; fewer when the columns would pass MAX_PARAMETERS values). */
  rowsPerStatement?: number;
  /**
   * Columns whose default is NULL: a statement leaves out those that are null in every one of its rows, so neither
   * Roster nor the database handles values nobody set (an import's rows leave most of their columns empty).
   */
  nullDefaults?: readonly string[];
}

/**
 * Multi-row INSERT in plain SQL for large batches (import rows, invitations and their emails), where
 * TypeORM's insert builder spends more time preparing values than the database spends storing them, and
 * adds a RETURNING clause to read back column defaults we already know. Values must already be in their
 * column form (strings, numbers, booleans as 0/1, null, dates as UTC text).
 *
 * On MySQL/MariaDB the values are written into the statement as literals by mysql2's own `escape` (with the
 * connection's time zone), which is what mysql2 does with `?` placeholders anyway: it formats the statement on
 * the client before sending it. Escaping each value straight into the text skips mysql2's second pass over a
 * statement of thousands of placeholders (its `format`, a third of the CPU a 1,000-row chunk of an import cost),
 * and a value repeated from the row before (the job or account of every row) is escaped once. SQLite binds `?`
 * parameters.
 */
export async function bulkInsert(
  manager: EntityManager,
  table: string,
  columns: readonly string[],
  rows: unknown[][],
  options: BulkInsertOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  const { rowsPerStatement = 500, nullDefaults = [] } = options;
  const escapeId = (name: string) => manager.connection.driver.escape(name);
  const perStatement = Math.max(1, Math.min(rowsPerStatement, Math.floor(MAX_PARAMETERS / columns.length)));
  const nullable = columns.map((column) => nullDefaults.includes(column));
  const literal = mysqlLiteral(manager);
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const kept = columns.flatMap((_, index) => (nullable[index] && chunk.every((row) => row[index] == null) ? [] : [index]));
    const head = `INSERT INTO ${escapeId(table)} (${kept.map((index) => escapeId(columns[index]!)).join(', ')}) VALUES `;
    if (literal) {
      await manager.query(head + literalTuples(chunk, kept, literal), NO_VALUES);
      continue;
    }
    const tuple = `(${kept.map(() => '?').join(', ')})`;
    const values: unknown[] = [];
    for (const row of chunk) for (const index of kept) values.push(row[index]);
    await manager.query(head + new Array<string>(chunk.length).fill(tuple).join(', '), values);
  }
}

/**
 * The values of a statement written with literals only. mysql2 scans a statement given values, even none, for `?`
 * placeholders character by character (half a millisecond for a chunk of 1,000 import rows); given null, its
 * `format` returns the text unchanged.
 */
const NO_VALUES = null as unknown as unknown[];

/** mysql2's escaping with the connection's time zone (as its placeholders use), or null on SQLite. */
function mysqlLiteral(manager: EntityManager): ((value: unknown) => string) | null {
  const options = manager.connection.options;
  if (options.type !== 'mysql' && options.type !== 'mariadb') return null;
  const timezone = options.timezone ?? 'local';
  return (value) => mysql.escape(value as SqlValue, false, timezone as Timezone);
}

/** `(a, b), (c, d)` for the rows' `kept` columns; a value identical to the row before's is escaped once. */
function literalTuples(rows: unknown[][], kept: number[], literal: (value: unknown) => string): string {
  const lastValue = new Array<unknown>(kept.length);
  const lastText = new Array<string>(kept.length);
  const tuples = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let tuple = '(';
    for (let k = 0; k < kept.length; k++) {
      const value = row[kept[k]!];
      if (r === 0 || value !== lastValue[k]) {
        lastValue[k] = value;
        lastText[k] = literal(value);
      }
      tuple += k === 0 ? lastText[k] : ', ' + lastText[k];
    }
    tuples[r] = tuple + ')';
  }
  return tuples.join(', ');
}

/**
 * `bulkInsert` of whole entities: every column of the entity, each value converted exactly as TypeORM
 * converts it (the column's transformer, then the driver's own conversion), so rows read back the same as
 * rows written by `manager.insert`. The entities must carry every column (defaults included): nothing is
 * read back.
 */
export async function bulkInsertEntities<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  entities: T[],
): Promise<void> {
  if (entities.length === 0) return;
  const metadata = manager.connection.getMetadata(target);
  // Columns the database fills itself (generated, like memberships.email_domain) are never written.
  const columns = metadata.columns.filter(
    (column) => !column.isVirtual && !column.isVirtualProperty && column.isInsert && !column.generatedType,
  );
  const driver = manager.connection.driver;
  const rows = entities.map((entity) => columns.map((column) => driver.preparePersistentValue(valueOf(entity, column), column)));
  await bulkInsert(
    manager,
    metadata.tableName,
    columns.map((column) => column.databaseName),
    rows,
  );
}

function valueOf(entity: ObjectLiteral, column: ColumnMetadata): unknown {
  const value = entity[column.propertyName];
  if (value !== undefined) return value;
  if (column.isNullable) return null;
  throw new Error(`bulkInsertEntities: ${column.entityMetadata.name}.${column.propertyName} has no value (every column must be given).`);
}
