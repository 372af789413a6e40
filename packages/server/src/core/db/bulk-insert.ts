import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/**
 * Most bound values one statement may carry. SQLite refuses more than 32,766 parameters; staying well
 * below also keeps one MySQL statement to a few MB (max_allowed_packet is 16 MB by default).
 */
const MAX_PARAMETERS = 16_000;

/**
 * Multi-row INSERT in plain SQL for large batches (import rows, invitations and their emails), where
 * TypeORM's insert builder spends more time preparing values than the database spends storing them, and
 * adds a RETURNING clause to read back column defaults we already know. Values must already be in their
 * column form (strings, numbers, booleans as 0/1, null, dates as UTC text).
 */
export async function bulkInsert(
  manager: EntityManager,
  table: string,
  columns: string[],
  rows: unknown[][],
  rowsPerStatement = 500,
): Promise<void> {
  if (rows.length === 0) return;
  const escape = (name: string) => manager.connection.driver.escape(name);
  const head = `INSERT INTO ${escape(table)} (${columns.map(escape).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const perStatement = Math.max(1, Math.min(rowsPerStatement, Math.floor(MAX_PARAMETERS / columns.length)));
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const values: unknown[] = [];
    for (const row of chunk) for (const value of row) values.push(value);
    await manager.query(head + new Array<string>(chunk.length).fill(tuple).join(', '), values);
  }
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
