import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('sends error details (stack traces) to clients only when ROSTER_ERROR_DETAILS=true, whatever NODE_ENV', () => {
    expect(loadConfig({}).errorDetails).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).errorDetails).toBe(false);
    expect(loadConfig({ ROSTER_ERROR_DETAILS: 'true' }).errorDetails).toBe(true);
    expect(() => loadConfig({ ROSTER_ERROR_DETAILS: 'on' })).toThrow(/ROSTER_ERROR_DETAILS="on" must be true or false/);
  });

  it('logs JSON at info by default, and bounds readiness checks and shutdowns (issue 18)', () => {
    const config = loadConfig({});
    expect([config.logLevel, config.logFormat, config.readinessTimeoutMs, config.shutdownGraceMs]).toEqual(['info', 'json', 2000, 25_000]);
    const set = loadConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty', READYZ_TIMEOUT_MS: '500', SHUTDOWN_GRACE_MS: '5000' });
    expect([set.logLevel, set.logFormat, set.readinessTimeoutMs, set.shutdownGraceMs]).toEqual(['warn', 'pretty', 500, 5000]);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT="xml" must be json or pretty/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '10' })).toThrow(/SHUTDOWN_GRACE_MS="10" must be a whole number from 1000/);
  });

  it('gives a call to Resend 20 s by default before abandoning it, and takes RESEND_TIMEOUT_MS from 1 s to 10 min', () => {
    expect(loadConfig({}).resendTimeoutMs).toBe(20_000);
    expect(loadConfig({ RESEND_TIMEOUT_MS: '5000' }).resendTimeoutMs).toBe(5000);
    expect(() => loadConfig({ RESEND_TIMEOUT_MS: '500' })).toThrow(/RESEND_TIMEOUT_MS="500" must be a whole number from 1000/);
  });

  it('reads the database timeouts, in seconds, with fail-fast defaults', () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({ lockWaitSeconds: 5, statementSeconds: 30, poolAcquireSeconds: 10 });
    expect(
      loadConfig({ DB_LOCK_WAIT_TIMEOUT_SECONDS: '2', DB_STATEMENT_TIMEOUT_SECONDS: '0', DB_POOL_ACQUIRE_TIMEOUT_SECONDS: '3' })
        .databaseTimeouts,
    ).toEqual({
      lockWaitSeconds: 2,
      statementSeconds: 0,
      poolAcquireSeconds: 3,
    });
    expect(() => loadConfig({ DB_LOCK_WAIT_TIMEOUT_SECONDS: '0' })).toThrow(
      /DB_LOCK_WAIT_TIMEOUT_SECONDS="0" must be a whole number from 1/,
    );
  });

  it('starts on the embedded default with nothing set: SQLite under the data folder, demo seeding on', () => {
    const config = loadConfig({ ROSTER_DATA_DIR: '/tmp/roster-data' });
    expect(config.database).toEqual({ kind: 'sqlite', file: '/tmp/roster-data/roster.sqlite' });
    expect(config.port).toBe(4000);
    expect(config.seedDemo).toBe(true);
    expect(config.resendApiKey).toBeNull();
    expect(config.publicUrl).toBe('http://localhost:4000');
  });

  it('uses MySQL when DATABASE_URL is set, and then does not seed demo data unless asked', () => {
    const config = loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/roster' });
    expect(config.database).toEqual({ kind: 'mysql', url: 'mysql://root@127.0.0.1:3306/roster' });
    expect(config.seedDemo).toBe(false);
  });

  it('names every bad value at once, one clear line each, and never echoes a password', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'postgres://u:secret@db/x',
        REDIS_URL: 'not a url',
        RESEND_API_KEY: 'abc',
        PUBLIC_URL: 'ftp://x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/PORT="eighty" must be a whole number/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL=.* must start with mysql:\/\//);
    expect(problems.join('\n')).not.toContain('secret');
    expect(problems.join('\n')).toMatch(/REDIS_URL=.* is not a valid URL/);
    expect(problems.join('\n')).toMatch(/RESEND_API_KEY must be a Resend API key/);
    expect(problems.join('\n')).toMatch(/PUBLIC_URL=.* must start with http:\/\/ or https:\/\//);
  });

  it('requires PUBLIC_URL in production, listed with the other problems, so links never follow a Host header', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', PORT: 'eighty' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/PORT="eighty"/),
      expect.stringMatching(/^PUBLIC_URL is required in production/),
    ]);
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://roster.example.com/' }).publicUrl).toBe('https://roster.example.com');
    expect(loadConfig({ NODE_ENV: 'development' }).publicUrl).toBe('http://localhost:4000');
  });

  it('requires its own credentials key in production on MySQL, takes base64 or hex, and refuses a short one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://root@db/roster' })).toThrow(
      /ROSTER_CREDENTIALS_KEY is required/,
    );
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://roster.example.com' }).credentialsKey).toBeNull();
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ ROSTER_CREDENTIALS_KEY: key.toString('base64') }).credentialsKey).toEqual(key);
    expect(loadConfig({ ROSTER_CREDENTIALS_KEY: key.toString('hex') }).credentialsKey).toEqual(key);
    expect(() => loadConfig({ ROSTER_CREDENTIALS_KEY: 'c2hvcnQ=' })).toThrow(/must be 32 bytes/);
  });

  it('keeps outbound calls off private networks unless OUTBOUND_ALLOW_PRIVATE_NETWORKS=true (WEBHOOK_ALLOW_PRIVATE_NETWORKS still read)', () => {
    expect(loadConfig({}).outboundAllowPrivateNetworks).toBe(false);
    expect(loadConfig({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'TRUE' }).outboundAllowPrivateNetworks).toBe(true);
    expect(() => loadConfig({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow(
      /OUTBOUND_ALLOW_PRIVATE_NETWORKS="yes" must be true or false/,
    );
    // The deprecated name keeps working, and the new one wins when both are set.
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }).outboundAllowPrivateNetworks).toBe(true);
    expect(
      loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' }).outboundAllowPrivateNetworks,
    ).toBe(false);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE_NETWORKS="yes" must be true or false/,
    );
  });

  it('serves no metrics unless METRICS_TOKEN or METRICS_PORT is set, and refuses a guessable token or the main port', () => {
    expect(loadConfig({})).toMatchObject({ metricsToken: null, metricsPort: null });
    expect(loadConfig({ METRICS_TOKEN: 'a'.repeat(16), METRICS_PORT: '9464' })).toMatchObject({
      metricsToken: 'a'.repeat(16),
      metricsPort: 9464,
    });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    expect(() => loadConfig({ PORT: '4000', METRICS_PORT: '4000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: 'metrics' })).toThrow(/METRICS_PORT="metrics" must be a whole number/);
  });
});
