// `pnpm bench:read`: the Users page under load, Roster vs a bare graphql-js + mysql2 baseline. See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/read.ts', import.meta.url));
