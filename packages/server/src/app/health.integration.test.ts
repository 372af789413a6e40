import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { startTcpProxy, type TcpProxy } from '../../test/tcp-proxy.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface ReadyAnswer {
  status: number;
  body: { ready: boolean; failing: string[]; checks: Record<string, { ok: boolean; detail?: string }> };
}

async function readyz(roster: TestRoster): Promise<ReadyAnswer> {
  const response = await fetch(`${roster.url}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadyAnswer['body'] };
}

describe.each(dialects)('/healthz and /readyz (%s)', (dialect) => {
  let roster: TestRoster;
  let proxy: TcpProxy;
  const logged: string[] = [];
  const messages = () => logged.map((line) => (JSON.parse(line) as { msg: string }).msg);

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    roster = await startTestRoster(
      dialect,
      { redisUrl: `redis://127.0.0.1:${proxy.port}`, readinessTimeoutMs: 1000, logLevel: 'info' },
      { logDestination: { write: (line: string) => void logged.push(line) } },
    );
  });

  afterAll(async () => {
    await roster?.close();
    await proxy?.close();
  });

  it('answers 200 on both when the database, migrations and Redis are fine', async () => {
    const health = await fetch(`${roster.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await readyz(roster);
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    expect(ready.body.failing).toEqual([]);
    expect(Object.keys(ready.body.checks).sort()).toEqual(['database', 'migrations', 'redis']);
  });

  it('answers 503 naming the migration a database lacks, and 200 again once it is applied', async () => {
    const [last] = (await roster.dataSource.query('SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1')) as Array<{
      id: number;
      timestamp: number;
      name: string;
    }>;
    await roster.dataSource.query('DELETE FROM migrations WHERE id = ?', [last!.id]);
    try {
      const ready = await readyz(roster);
      expect(ready.status).toBe(503);
      expect(ready.body.failing).toEqual(['migrations']);
      expect(ready.body.checks.migrations!.detail).toContain(last!.name);
      expect(ready.body.checks.database!.ok).toBe(true);
    } finally {
      await roster.dataSource.query('INSERT INTO migrations (id, timestamp, name) VALUES (?, ?, ?)', [
        last!.id,
        last!.timestamp,
        last!.name,
      ]);
    }
    expect((await readyz(roster)).status).toBe(200);
  });

  it('answers 503 naming Redis while Redis is unreachable, while /healthz stays 200', async () => {
    proxy.cut();
    try {
      const ready = await eventually(async () => {
        const answer = await readyz(roster);
        return answer.status === 503 ? answer : null;
      }, 'readyz answering 503');
      expect(ready.body.failing).toEqual(['redis']);
      expect(ready.body.checks.redis!.detail).toBeTruthy();
      expect((await fetch(`${roster.url}/healthz`)).status).toBe(200);
    } finally {
      proxy.restore();
    }
    await eventually(async () => (await readyz(roster)).status === 200, 'readyz answering 200 once Redis is back');
    // The log says so once per change, not once per probe.
    const changes = messages().filter((msg) => /^(Not ready|Ready again)/.test(msg));
    expect(changes.slice(-2)).toEqual(['Not ready: /readyz answers 503 (redis)', 'Ready again: /readyz answers 200']);
    expect(changes.filter((msg) => msg.includes('(redis)'))).toHaveLength(1);
  });

  it('answers 503 naming the database once its connection is gone', async () => {
    await roster.dataSource.destroy();
    try {
      const ready = await readyz(roster);
      expect(ready.status).toBe(503);
      expect(ready.body.failing).toEqual(['database', 'migrations']);
      expect(ready.body.checks.database!.detail).toMatch(/closed/);
    } finally {
      await roster.dataSource.initialize();
    }
    expect((await readyz(roster)).status).toBe(200);
  });

  it('answers 503 "shutdown" as soon as the instance starts shutting down', async () => {
    roster.readiness.markShuttingDown();
    const ready = await readyz(roster);
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toEqual(['shutdown']);
  });
});
