// The import-boundary check (`pnpm lint:imports`): the house rules of docs/ARCHITECTURE.md ("Floors") as code.
// Server floors: core/ (ground: imports no feature) <- features (each other only through their index.ts) <- app/ (roof:
// nothing imports it but main.ts and tests). Web: features never import other features, only the shared folders.

const server = '^packages/server/src/';
/** Tests may reach into any floor: they build scenarios from the inside and boot the roof. */
const tests = ['\\.test\\.ts$', '^packages/server/test/', '^e2e/', '^bench/'];

/**
 * Exceptions (at most five), each with its reason.
 * 1. Entities and GraphQL types (`*.entity.ts`, `*.types.ts`) are imported directly, not through index.ts: they
 *    join and answer each other both ways (a membership's company and a company's users; User and Company), so a
 *    barrel would close loops. They import only core and other entities and types (rule shapes-import-only-shapes).
 */
const publicShapes = ['\\.(entity|types)\\.ts$'];

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'No import loops anywhere (server, web, schema): a loop makes load order matter and hides a missing floor. Type-only imports are erased before running, so they close no loop.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-imports-no-feature',
      severity: 'error',
      comment:
        'core/ is the ground floor: errors, logger, config, the request context type, db and worker helpers. It imports no feature and not the roof.',
      from: { path: `${server}core/`, pathNot: tests },
      to: { path: server, pathNot: `${server}core/` },
    },
    {
      name: 'nothing-imports-the-roof',
      severity: 'error',
      comment: 'app/ composes services, builds the schema, serves HTTP and starts up; only main.ts and tests import it.',
      from: { pathNot: [`${server}app/`, `${server}main\\.ts$`, ...tests] },
      to: { path: `${server}app/` },
    },
    {
      name: 'features-through-their-index',
      severity: 'error',
      comment: "A feature imports another feature only through that feature's index.ts (what others may use), never its internals.",
      from: { path: `${server}([^/]+)/`, pathNot: [`${server}(app|core)/`, ...tests] },
      to: { path: `${server}[^/]+/`, pathNot: [`${server}$1/`, `${server}(app|core)/`, `${server}[^/]+/index\\.ts$`, ...publicShapes] },
    },
    {
      name: 'shapes-import-only-shapes',
      severity: 'error',
      comment:
        "Entities and GraphQL types, which other features import directly (exception 1), import of other features only their entities and types, so importing one never loads another feature's services.",
      from: { path: `${server}([^/]+)/.+\\.(entity|types)\\.ts$`, pathNot: tests },
      to: { path: server, pathNot: [`${server}$1/`, `${server}core/`, ...publicShapes] },
    },
    {
      name: 'web-features-import-no-feature',
      severity: 'error',
      comment: 'A web feature imports the shared folders (client/, ui/, testing/, app/ shell) and never another feature.',
      from: { path: '^packages/web/src/features/([^/]+)/' },
      to: { path: '^packages/web/src/features/', pathNot: '^packages/web/src/features/$1/' },
    },
    {
      name: 'web-client-imports-nothing-of-ours',
      severity: 'error',
      comment: 'client/ (Apollo, live connection, errors, session, pagination) is the web ground floor: npm packages and the schema only.',
      from: { path: '^packages/web/src/client/' },
      to: { path: '^packages/web/src/(app|features|ui|testing|playground)/' },
    },
    {
      name: 'web-ui-imports-only-client',
      severity: 'error',
      comment: 'ui/ (shared components, icons, list helpers) builds on client/ and nothing above it.',
      from: { path: '^packages/web/src/ui/', pathNot: '\\.test\\.ts$' },
      to: { path: '^packages/web/src/(app|features|testing|playground)/' },
    },
    {
      name: 'web-app-is-the-roof',
      severity: 'error',
      comment: 'app/ (layout, router, not-found) composes the features; only main.ts, testing/ and tests import it.',
      from: { path: '^packages/web/src/', pathNot: ['^packages/web/src/(app/|main\\.ts$|testing/)', '\\.test\\.ts$'] },
      to: { path: '^packages/web/src/app/' },
    },
    {
      name: 'web-testing-only-in-tests',
      severity: 'error',
      comment: 'testing/ (mountApp, the fake API, builders) serves tests only.',
      from: { path: '^packages/web/src/', pathNot: ['^packages/web/src/testing/', '\\.test\\.ts$'] },
      to: { path: '^packages/web/src/testing/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import the check cannot resolve is an import it cannot judge.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)node_modules/', '(^|/)dist/', '\\.d\\.ts$'] },
    // Type-only imports count: a type is part of what a module needs to be read.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.vue', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
