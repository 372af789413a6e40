// `pnpm bundle [folder]`: writes the production bundle (default `dist/bundle`, git-ignored), a self-contained folder
// that runs with `node server/dist/main.js` and nothing else installed:
//
//   <folder>/server/package.json, server/dist/   the compiled server (the same dist/main.js `pnpm start` runs)
//   <folder>/server/node_modules/                its production dependencies only (`pnpm deploy --prod`)
//   <folder>/web/dist/                           the built dashboard, found by the server at ../../web/dist from
//                                                server/dist/core, the same place as in the checkout
//
// The Dockerfile runs this script and the bundle test (e2e/bundle.test.ts) runs it too, so the image is what is tested.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..');
const target = path.resolve(repoRoot, process.argv[2] ?? 'dist/bundle');
if (target === repoRoot || repoRoot.startsWith(target + path.sep)) {
  console.error(`Refusing to write the bundle over ${target}: name a folder of its own.`);
  process.exit(1);
}

const pnpm = (...args) => {
  console.log(`> pnpm ${args.join(' ')}`);
  // shell: pnpm is a .cmd shim on Windows; the arguments here are fixed words and a resolved path.
  execFileSync('pnpm', args, { cwd: repoRoot, stdio: 'inherit', shell: process.platform === 'win32' });
};

pnpm('--filter', '@roster/server', 'build');
pnpm('--filter', '@roster/web', 'build');

fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target, { recursive: true });
// --legacy: pnpm 10's deploy otherwise requires inject-workspace-packages=true; the server has no workspace
// dependency, so the legacy implementation copies exactly the same thing. package.json "files" limits the copy to dist/.
// --prefer-offline: the packages are in the store since `pnpm install`, so no registry is asked (CI may have none).
pnpm('--filter', '@roster/server', '--prod', 'deploy', '--legacy', '--prefer-offline', path.join(target, 'server'));
removeStrayBinLinks(path.join(target, 'server'));
fs.cpSync(path.join(repoRoot, 'packages/web/dist'), path.join(target, 'web/dist'), { recursive: true });

for (const required of ['server/dist/main.js', 'server/node_modules/typeorm/package.json', 'web/dist/index.html']) {
  if (!fs.existsSync(path.join(target, required))) {
    console.error(`The bundle is incomplete: ${required} is missing.`);
    process.exit(1);
  }
}
console.log(
  `\nRoster bundle written to ${path.relative(process.cwd(), target) || '.'}; run it with: node server/dist/main.js (in that folder)`,
);

/**
 * pnpm 10's legacy deploy also writes the deployed package's bin links under the workspace root joined with the
 * target's absolute path (e.g. ./tmp/x/server/node_modules/.bin for /tmp/x/server); the bundle has its own. Removes
 * that stray copy and the folders left empty by it, never anything else.
 */
function removeStrayBinLinks(deployed) {
  const stray = path.join(repoRoot, path.relative(path.parse(deployed).root, deployed));
  if (stray === deployed || !fs.existsSync(path.join(stray, 'node_modules/.bin'))) return;
  fs.rmSync(path.join(stray, 'node_modules/.bin'), { recursive: true });
  for (let dir = path.join(stray, 'node_modules'); dir.startsWith(repoRoot + path.sep); dir = path.dirname(dir)) {
    if (fs.readdirSync(dir).length > 0) break;
    fs.rmdirSync(dir);
  }
}
