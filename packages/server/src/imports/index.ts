/** The imports feature's public entry: CSV imports of users. */
import type { ImportRunner } from './import-runner.js';
import type { ImportService } from './import.service.js';
import type { ImportPreviewSweeper } from './preview-sweeper.js';

declare module '../core/context.js' {
  interface Services {
    imports: ImportService;
    importRunner: ImportRunner;
    importPreviewSweeper: ImportPreviewSweeper;
  }
}
