// `pnpm bench:scale`: the Users page in accounts of 10,000, 100,000 and 1,000,000 users. See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/scale.ts', import.meta.url));
