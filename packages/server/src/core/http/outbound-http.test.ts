import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutboundUrl, nonPublicReason, OutboundHttp } from './outbound-http.js';

const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

describe('outbound URL guard', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.8',
    '172.20.1.1',
    '192.168.1.10',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    '64:ff9b::a00:1',
  ])('refuses %s', (address) => {
    expect(nonPublicReason(address)).toMatch(/private, loopback, link-local or multicast/);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (address) => {
      expect(nonPublicReason(address)).toBeNull();
    },
  );

  it('refuses a host when any of its addresses is private (one A record is enough to reach the inside)', async () => {
    await expect(checkOutboundUrl('https://hooks.example.com/x', false, resolvesTo('93.184.216.34', '10.0.0.1'))).rejects.toThrow(
      /resolves to 10\.0\.0\.1/,
    );
    await expect(checkOutboundUrl('https://hooks.example.com/x', false, resolvesTo('93.184.216.34'))).resolves.toBeInstanceOf(URL);
  });

  it('refuses IP literals without asking DNS', async () => {
    const noDns = async () => {
      throw new Error('DNS must not be asked');
    };
    await expect(checkOutboundUrl('https://[::1]:8443/x', false, noDns)).rejects.toThrow(/::1 is a private/);
    await expect(checkOutboundUrl('https://127.1/x', false, noDns)).rejects.toThrow(/127\.0\.0\.1 is a private/);
  });

  it('requires https, no credentials in the URL, and a name that resolves', async () => {
    await expect(checkOutboundUrl('http://hooks.example.com/x', false, resolvesTo('93.184.216.34'))).rejects.toThrow(
      /must start with https/,
    );
    await expect(checkOutboundUrl('ftp://hooks.example.com/x', true)).rejects.toThrow(/must start with https/);
    await expect(checkOutboundUrl('https://user:pw@hooks.example.com/x', false, resolvesTo('93.184.216.34'))).rejects.toThrow(
      /user name or password/,
    );
    await expect(checkOutboundUrl('https://nowhere.invalid/x', false, async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow(
      /could not be resolved/,
    );
  });

  it('lets development use http and private addresses when configured', async () => {
    await expect(checkOutboundUrl('http://127.0.0.1:3000/hooks', true)).resolves.toBeInstanceOf(URL);
  });
});

describe('the outbound client', () => {
  let server: http.Server;
  let port: number;
  const connections: string[] = [];
  const paths: string[] = [];
  const guarded = new OutboundHttp({ allowPrivateNetworks: () => false });
  const open = new OutboundHttp({ allowPrivateNetworks: () => true, timeoutMs: 5_000 });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      if (req.url === '/redirect') return void res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      if (req.url === '/silent') return; // never answers
      if (req.url === '/big') return void res.end('x'.repeat(64 * 1024));
      res.end('ok');
    });
    server.on('connection', (socket) => connections.push(socket.remoteAddress ?? ''));
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses plain http, loopback literals (decimal, IPv6) and names resolving to loopback before any connection', async () => {
    const before = connections.length;
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `https://127.0.0.1:${port}/`,
      `https://2130706433:${port}/`,
      `https://[::1]:${port}/`,
      `https://localhost:${port}/`,
      `https://[::ffff:127.0.0.1]:${port}/`,
    ]) {
      await expect(guarded.fetch(url), url).rejects.toMatchObject({ name: 'OutboundError', failure: 'REFUSED' });
    }
    expect(connections.length).toBe(before);
    // The listener does see an allowed request.
    expect((await open.fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect(connections.length).toBeGreaterThan(before);
  });

  it('does not follow a redirect (a public host could point it inside)', async () => {
    const response = await open.fetch(`http://127.0.0.1:${port}/redirect`);
    expect(response.status).toBe(302);
    expect(paths).not.toContain('/target');
  });

  it("aborts a request with no answer at the deadline, or when the caller's signal fires", async () => {
    await expect(open.fetch(`http://127.0.0.1:${port}/silent`, { timeoutMs: 100 })).rejects.toMatchObject({
      failure: 'TIMEOUT',
      message: `http://127.0.0.1:${port} did not answer within 0.1 s.`,
    });
    const caller = new AbortController();
    caller.abort();
    await expect(open.fetch(`http://127.0.0.1:${port}/silent`, { signal: caller.signal })).rejects.toMatchObject({ failure: 'ABORTED' });
    const later = new AbortController();
    const held = open.fetch(`http://127.0.0.1:${port}/silent`, { signal: later.signal });
    later.abort();
    await expect(held).rejects.toMatchObject({ failure: 'ABORTED' });
  });

  it('reads at most the size asked for: larger answers fail, or are cut for an excerpt', async () => {
    await expect(open.fetch(`http://127.0.0.1:${port}/big`, { maxResponseBytes: 1024 })).rejects.toMatchObject({ failure: 'TOO_LARGE' });
    const cut = await open.fetch(`http://127.0.0.1:${port}/big`, { maxResponseBytes: 1024, truncate: true });
    expect(await cut.text()).toHaveLength(1024);
  });
});
