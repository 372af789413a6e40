import 'reflect-metadata';
import { ConfigError, loadConfig } from './core/config.js';
import { describeDatabase, startRoster } from './app/roster.js';
import { stopOnSignals } from './app/shutdown.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const roster = await startRoster(config);
  const lines = [
    '',
    `Roster is running at ${roster.url}`,
    `  Dashboard:        ${roster.url}/`,
    `  GraphQL endpoint: ${roster.url}/graphql`,
    `  Playground:       ${roster.url}/playground`,
    `  Database:         ${describeDatabase(config)}`,
    `  Email:            ${config.resendApiKey ? `Resend (${config.resendBaseUrl})` : 'dev mailbox (no RESEND_API_KEY set)'}`,
    `  Live updates:     ${config.redisUrl ? 'Redis' : 'in-process'}`,
  ];
  if (roster.demo) lines.push('', `Demo admin sign-in: ${roster.demo.email} / ${roster.demo.password}`);
  console.log(lines.join('\n') + '\n');

  stopOnSignals(roster, config.shutdownGraceMs, roster.logger);
}

main().catch((error) => {
  console.error('Roster failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
