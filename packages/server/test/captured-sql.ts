import type { DataSource } from 'typeorm';

export interface CapturedStatement {
  sql: string;
  params: unknown[];
}

/**
 * Records every statement the data source runs, with its parameters, so a test can EXPLAIN the SQL a request really
 * sent. The returned array fills as queries run; empty it (`length = 0`) before the request to look at.
 */
export function captureSql(dataSource: DataSource): CapturedStatement[] {
  const captured: CapturedStatement[] = [];
  const query = dataSource.query.bind(dataSource);
  dataSource.query = ((sql: string, params?: unknown[], ...rest: unknown[]) => {
    captured.push({ sql, params: params ?? [] });
    return (query as any)(sql, params, ...rest);
  }) as typeof dataSource.query;
  return captured;
}
