import { isDeepStrictEqual } from 'node:util';
import { execute, parse, type ExecutionResult } from 'graphql';
import { buildRosterSchema } from '../../packages/server/src/app/schema.js';
import { GraphQLExecutor } from '../../packages/server/src/app/graphql-executor.js';

export interface ExecutorCost {
  /** CPU per execution of the document, in microseconds: graphql-js's `execute` and Roster's executor (graphql-jit). */
  graphqlJsUs: number;
  rosterExecutorUs: number;
}

/**
 * What executing the Users page's document costs alone, without HTTP, Apollo or SQL: Roster's schema and resolvers
 * run over the page Roster answered (the users service answers it from memory). Both engines must give that page back
 * unchanged. Measured as CPU time of this thread over many executions, alternating the engines, medians of 3: steadier
 * than the load test when other processes share the machine.
 */
export async function measureExecutorCost(query: string, page: { users: unknown }, executions = 2000): Promise<ExecutorCost> {
  const schema = await buildRosterSchema();
  const document = parse(query);
  const executor = new GraphQLExecutor(schema);
  const users = revive(page.users);
  const contextValue = () => ({
    admin: async () => ({ accountId: 'bench', role: 'ADMIN' }),
    services: { users: { list: async () => users } },
  });
  const engines: Record<keyof ExecutorCost, () => Promise<ExecutionResult>> = {
    graphqlJsUs: async () => execute({ schema, document, contextValue: contextValue() }),
    rosterExecutorUs: () => executor.execute({ document, documentKey: query, contextValue: contextValue() }),
  };
  const samples: Record<keyof ExecutorCost, number[]> = { graphqlJsUs: [], rosterExecutorUs: [] };
  for (const [name, run] of Object.entries(engines) as Array<[keyof ExecutorCost, () => Promise<ExecutionResult>]>) {
    const result = await run();
    if (result.errors || !isDeepStrictEqual(JSON.parse(JSON.stringify(result.data)), page)) {
      throw new Error(`${name}: executing the page over its own data did not give it back: ${JSON.stringify(result).slice(0, 300)}`);
    }
    for (let i = 0; i < 300; i++) await run(); // warm-up: V8 optimises, graphql-jit compiles
  }
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of Object.entries(engines) as Array<[keyof ExecutorCost, () => Promise<ExecutionResult>]>) {
      const started = process.cpuUsage();
      for (let i = 0; i < executions; i++) await run();
      const used = process.cpuUsage(started);
      samples[name].push((used.user + used.system) / executions);
    }
  }
  const median = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[1]!);
  return { graphqlJsUs: median(samples.graphqlJsUs), rosterExecutorUs: median(samples.rosterExecutorUs) };
}

/** The page as the users service returns it: dates as Date objects (the JSON answer has their ISO text). */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [key, key.endsWith('At') && typeof field === 'string' ? new Date(field) : revive(field)]),
    );
  }
  return value;
}
