/**
 * `pnpm rotate-credentials-key`: re-seals everything ROSTER_CREDENTIALS_KEY seals under ROSTER_NEW_CREDENTIALS_KEY
 * (same formats: 64 hex digits or base64 of 32 bytes), against the database of DATABASE_URL, while Roster runs. Then
 * restart every instance with ROSTER_CREDENTIALS_KEY set to the new key. See credentials-rotation.ts.
 */
import 'reflect-metadata';
import { loadConfig } from '../core/config.js';
import { resolveCredentialsKey } from '../integrations/credentials-key.js';
import { SecretBox } from '../integrations/secret-box.js';
import { createDataSource } from './db/data-source.js';
import { rotateCredentialsKey } from './credentials-rotation.js';

const config = loadConfig();
const newKey = loadConfig({ ...process.env, ROSTER_CREDENTIALS_KEY: process.env.ROSTER_NEW_CREDENTIALS_KEY ?? '' }).credentialsKey;
if (!process.env.ROSTER_NEW_CREDENTIALS_KEY || !newKey) {
  console.error('Set ROSTER_NEW_CREDENTIALS_KEY to the new key: 32 bytes as 64 hex digits or base64 (`openssl rand -base64 32`).');
  process.exit(1);
}
const dataSource = await createDataSource(config.database);
await dataSource.initialize();
if (await dataSource.showMigrations()) {
  console.error('The database is not up to date: start this version of Roster once (it applies its migrations), then rotate.');
  await dataSource.destroy();
  process.exit(1);
}
try {
  const report = await rotateCredentialsKey(dataSource, new SecretBox(resolveCredentialsKey(config)), new SecretBox(newKey));
  console.log(
    `Re-sealed ${report.vaultDataKeys} vault data key(s), ${report.integrations} integration(s), ${report.webhookEndpoints} webhook secret(s), ` +
      `${report.ssoConnections} SSO client secret(s), ${report.totpSecrets} authenticator app secret(s) and ${report.ssoFlows} SSO sign-in(s) under way` +
      (report.alreadyRotated ? `; ${report.alreadyRotated} already used the new key.` : '.'),
  );
  console.log('Now restart every Roster instance with ROSTER_CREDENTIALS_KEY set to the new key.');
} finally {
  await dataSource.destroy();
}
