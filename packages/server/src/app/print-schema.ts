import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildRosterSchema } from './schema.js';

/** The SDL as committed in packages/schema and served at /schema.graphql: sorted, so diffs stay readable. */
export async function printRosterSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildRosterSchema())) + '\n';
}
