import type { EntityManager } from 'typeorm';

/**
 * Multi-row INSERT in plain SQL for large batches (import rows), where TypeORM's insert builder spends
 * more time preparing values than the database spends storing them. Values must already be in their
 * column form (strings, numbers, booleans, null, dates as UTC text).
 */
export async function bulkInsert(manager: EntityManager, table: string, columns: string[], rows: unknown[][], rowsPerStatement = 500): Promise<void> {
  const escape = (name: string) => manager.connection.driver.escape(name);
  const head = `INSERT INTO ${escape(table)} (${columns.map(escape).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    const chunk = rows.slice(i, i + rowsPerStatement);
    await manager.query(head + chunk.map(() => tuple).join(', '), chunk.flat());
  }
}
