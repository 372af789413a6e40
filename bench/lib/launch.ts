import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/**
 * Runs a benchmark scenario module (its default export) under tsx with bench/tsconfig.json.
 *
 * Why a launcher: `node --import tsx bench/x.ts` runs from the repo root, which has no tsconfig.json, so
 * tsx would compile the server's TypeGraphQL/TypeORM decorators as standard decorators and fail. Loading
 * the scenario through `tsImport` with our tsconfig (which extends tsconfig.base.json: legacy decorators and
 * decorator metadata) compiles the server sources exactly as the server's own tsx scripts do. Everything the
 * scenario imports (Roster, graphql, mysql2) lives in that one module graph, so there is a single graphql.
 *
 * Exit codes: 0 when the scenario returns (even when a target is missed: it is a measurement), 1 on any error.
 */
export async function launch(scenario: URL): Promise<void> {
  const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  try {
    const module = (await tsImport(scenario.href, { parentURL: import.meta.url, tsconfig })) as { default: () => Promise<void> };
    await module.default();
  } catch (error) {
    console.error('\nBenchmark failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  }
  // Everything is closed by now; if a stray handle keeps the loop alive, say so rather than hang.
  setTimeout(() => {
    console.error('Warning: the benchmark left an open handle; exiting anyway.');
    process.exit(process.exitCode ?? 0);
  }, 5000).unref();
}
