// `pnpm bench:import`: 50,000 CSV rows through Roster's import vs raw mysql2 INSERTs of the same rows. See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/import.ts', import.meta.url));
