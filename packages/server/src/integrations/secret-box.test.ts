import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveCredentialsKey } from './credentials-key.js';
import { SecretBox } from './secret-box.js';

describe('sealed integration credentials', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and the sealed text shows nothing of the secret', () => {
    const secret = JSON.stringify({ clientSecret: 'super-secret-value' });
    const sealed = box.seal(secret, 'integration-1');
    expect(sealed).not.toContain('super-secret');
    expect(box.open(sealed, 'integration-1')).toBe(secret);
    expect(box.seal(secret, 'integration-1')).not.toBe(sealed);
  });

  it('refuses a value moved to another integration, tampered with, or opened with another key', () => {
    const sealed = box.seal('{"apiKey":"k"}', 'integration-1');
    expect(() => box.open(sealed, 'integration-2')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(() => box.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'integration-1')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'integration-1')).toThrow();
  });

  it('generates the embedded default key once, readable only by its owner, and reuses it', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-key-'));
    const first = resolveCredentialsKey({ credentialsKey: null, dataDir });
    expect(first).toHaveLength(32);
    expect(fs.statSync(path.join(dataDir, 'credentials.key')).mode & 0o077).toBe(0);
    expect(resolveCredentialsKey({ credentialsKey: null, dataDir })).toEqual(first);
  });
});
