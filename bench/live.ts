// `pnpm bench:live`: ACCEPTED events to 5,000 graphql-ws subscribers on one instance and 2,500 across two (Redis). See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/live.ts', import.meta.url));
