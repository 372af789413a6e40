import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './webhook-http.js';

describe('postJson', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.writeHead(req.url === '/fail' ? 503 : 200).end('x'.repeat(5000));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses, inside the socket lookup, a name that resolves to a private address (DNS rebinding)', async () => {
    const before = hits;
    const result = await postJson(new URL(`http://localhost:${port}/ok`), {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: false });
    expect(result).toMatchObject({ status: null, error: expect.stringMatching(/^Refused: localhost resolves to .*(127\.0\.0\.1|::1) is a private/) });
    expect(hits).toBe(before);
  });

  it('records status, a 1,000-character excerpt and the duration', async () => {
    const ok = await postJson(new URL(`http://localhost:${port}/ok`), {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: true });
    expect(ok.status).toBe(200);
    expect(ok.bodyExcerpt).toHaveLength(1000);
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    expect((await postJson(new URL(`http://127.0.0.1:${port}/fail`), {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: true })).status).toBe(503);
  });

  it('gives up after the timeout', async () => {
    const slow = await postJson(new URL(`http://127.0.0.1:${port}/slow`), {}, '{}', { timeoutMs: 200, allowPrivateNetworks: true });
    expect(slow).toMatchObject({ status: null, error: 'No answer within 0.2 s.' });
    expect(slow.durationMs).toBeLessThan(1500);
  });
});
