// Worker thread entry of LiveClientPool: worker threads do not inherit tsx's loader, so this loads the TypeScript through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./live-client-worker.ts', import.meta.url);
