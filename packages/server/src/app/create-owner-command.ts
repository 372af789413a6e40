/**
 * `node server/dist/app/create-owner-command.js --account "Acme IT" --email owner@acme.example --name "Ada Lovelace"`
 * (in a checkout: `pnpm create-owner -- ...`): creates an MSP account and its first owner in the database of
 * DATABASE_URL (or the embedded SQLite file). The password comes from ROSTER_OWNER_PASSWORD (never a command-line
 * argument: other users of the machine can read those); without it one is generated and printed once.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config.js';
import { createDataSource } from './db/data-source.js';
import { createOwner } from './create-owner.js';

let values: { account?: string; email?: string; name?: string };
try {
  ({ values } = parseArgs({ options: { account: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } } }));
} catch (error) {
  values = {};
  console.error((error as Error).message);
}
if (!values.account || !values.email || !values.name) {
  console.error('Usage: create-owner --account "<account name>" --email <owner email> --name "<owner name>"');
  console.error('(password from ROSTER_OWNER_PASSWORD, or generated and printed once)');
  process.exit(2);
}
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
const dataSource = await createDataSource(config.database);
await dataSource.initialize();
try {
  if (await dataSource.showMigrations()) {
    console.error('The database is not up to date: start this version of Roster once (it applies its migrations), then create the owner.');
    process.exitCode = 1;
  } else {
    const password = process.env.ROSTER_OWNER_PASSWORD?.trim() || null;
    const created = await createOwner(dataSource, { accountName: values.account, email: values.email, name: values.name, password });
    console.log(`Created the account "${values.account.trim()}" (${created.slug}) with ${created.email} as its owner.`);
    if (created.existingPerson) console.log(`${created.email} already had a sign-in; it is unchanged (their own password).`);
    else if (created.generatedPassword) console.log(`Password (shown once, change it after signing in): ${created.generatedPassword}`);
  }
} catch (error) {
  console.error(`Could not create the owner: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await dataSource.destroy();
}
