// `pnpm bench:live`: ACCEPTED events to 1,000 graphql-ws subscribers, one instance and two (Redis). See bench/README.md.
import { launch } from './lib/launch.js';

await launch(new URL('./scenarios/live.ts', import.meta.url));
