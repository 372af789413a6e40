import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RosterConfig } from '../core/config.js';

/**
 * The key that seals integration credentials: from ROSTER_CREDENTIALS_KEY, or (embedded default only; the
 * config refuses to start production without one) a key generated once into the data folder, readable only
 * by its owner. Losing that file loses the stored credentials, never anything else.
 */
export function resolveCredentialsKey(config: Pick<RosterConfig, 'credentialsKey' | 'dataDir'>): Buffer {
  if (config.credentialsKey) return config.credentialsKey;
  const file = path.join(config.dataDir, 'credentials.key');
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key; restore it or set ROSTER_CREDENTIALS_KEY.`);
    return key;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
