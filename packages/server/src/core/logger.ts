import type { RosterConfig } from './config.js';

export interface Logger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

export function createLogger(level: RosterConfig['logLevel']): Logger {
  const showInfo = level === 'info' || level === 'debug';
  const showError = level !== 'silent';
  return {
    info: (message) => {
      if (showInfo) console.log(message);
    },
    error: (message, error) => {
      if (showError) console.error(message, error ?? '');
    },
  };
}
