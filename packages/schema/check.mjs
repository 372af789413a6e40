// Fails when the committed SDL or the generated typed documents are stale: run `pnpm schema` to refresh.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const files = [path.join(here, 'schema.graphql'), path.join(here, 'generated/graphql.ts')];
const before = files.map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null));
execFileSync('pnpm', ['run', 'schema'], { cwd: path.join(here, '../..'), stdio: 'inherit' });
const stale = files.filter((f, i) => fs.readFileSync(f, 'utf8') !== before[i]);
if (stale.length > 0) {
  console.error(
    `\nThe GraphQL contract was stale and has been regenerated: ${stale.map((f) => path.relative(process.cwd(), f)).join(', ')}.`,
  );
  console.error('Review and commit these files.');
  process.exit(1);
}
console.log('The committed SDL and typed documents match the server.');
