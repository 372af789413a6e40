// `pnpm bench:sync`: a 20,000-user Entra ID directory synced into MariaDB vs raw mysql2 INSERTs of the same rows. See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/sync.ts', import.meta.url));
