import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundHttp } from '../core/http/outbound-http.js';
import { postJson } from './webhook-http.js';

describe('postJson', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  const guarded = new OutboundHttp({ allowPrivateNetworks: () => false });
  const open = new OutboundHttp({ allowPrivateNetworks: () => true });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.writeHead(req.url === '/fail' ? 503 : 200).end('x'.repeat(50_000));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses, inside the socket lookup, a name that resolves to a private address (DNS rebinding)', async () => {
    // https, so only the address can be the reason.
    const result = await postJson(guarded, new URL(`https://localhost:${port}/ok`), {}, '{}', { timeoutMs: 2000 });
    expect(result).toMatchObject({
      status: null,
      failure: 'REFUSED',
      error: expect.stringMatching(/^Refused: The host localhost resolves to .*(127\.0\.0\.1|::1) is a private/),
    });
    expect(hits).toBe(0);
  });

  it('records status, a 1,000-character excerpt and the duration', async () => {
    const ok = await postJson(open, new URL(`http://localhost:${port}/ok`), {}, '{}', { timeoutMs: 2000 });
    expect(ok.status).toBe(200);
    expect(ok.bodyExcerpt).toHaveLength(1000);
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    expect((await postJson(open, new URL(`http://127.0.0.1:${port}/fail`), {}, '{}', { timeoutMs: 2000 })).status).toBe(503);
  });

  it('gives up after the timeout', async () => {
    const slow = await postJson(open, new URL(`http://127.0.0.1:${port}/slow`), {}, '{}', { timeoutMs: 200 });
    expect(slow).toMatchObject({ status: null, failure: 'TIMEOUT', error: `http://127.0.0.1:${port} did not answer within 0.2 s.` });
  });
});
