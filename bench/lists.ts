// `pnpm bench:lists`: the growing lists (audit log, import rows, sync run items, webhook deliveries, companies) at 10,000 and 100,000 rows. See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/lists.ts', import.meta.url));
