// `pnpm dev`: the server with reload (tsx watch, :4000) and the dashboard with hot reload (Vite, :5173,
// proxying /graphql to the server). Ctrl-C stops both.
import { spawn } from 'node:child_process';

const children = [
  // Development shows stack traces and unexpected errors' messages to the dashboard; the built product never does.
  // Log lines are printed for a person (pino-pretty, a dev dependency); the built product writes JSON.
  spawn('pnpm', ['--filter', '@roster/server', 'dev'], {
    stdio: 'inherit',
    env: { ROSTER_ERROR_DETAILS: 'true', LOG_FORMAT: 'pretty', ...process.env },
  }),
  spawn('pnpm', ['--filter', '@roster/web', 'dev'], { stdio: 'inherit' }),
];
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children)
  child.on('exit', (code) => {
    if (code) {
      stop();
      process.exitCode = code;
    }
  });
