// `pnpm bench:deliver`: 20,000 invitation emails drained by two instances into a rate-limited fake Resend. See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/deliver.ts', import.meta.url));
