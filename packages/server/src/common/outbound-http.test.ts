import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, nonPublicReason } from './outbound-http.js';

const resolvesTo = (...addresses: string[]) => async () => addresses;

describe('outbound URL guard', () => {
  it.each([
    '127.0.0.1', '10.0.0.8', '172.20.1.1', '192.168.1.10', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.251', '255.255.255.255',
    '::1', '::', 'fd00::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.1.2.3', '64:ff9b::a00:1',
  ])('refuses %s', (address) => {
    expect(nonPublicReason(address)).toMatch(/private, loopback, link-local or multicast/);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('accepts the public address %s', (address) => {
    expect(nonPublicReason(address)).toBeNull();
  });

  it('refuses a host when any of its addresses is private (one A record is enough to reach the inside)', async () => {
    await expect(checkOutboundUrl('https://hooks.example.com/x', false, resolvesTo('93.184.216.34', '10.0.0.1'))).rejects.toThrow(/resolves to 10\.0\.0\.1/);
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
    await expect(checkOutboundUrl('http://hooks.example.com/x', false, resolvesTo('93.184.216.34'))).rejects.toThrow(/must start with https/);
    await expect(checkOutboundUrl('ftp://hooks.example.com/x', true)).rejects.toThrow(/must start with https/);
    await expect(checkOutboundUrl('https://user:pw@hooks.example.com/x', false, resolvesTo('93.184.216.34'))).rejects.toThrow(/user name or password/);
    await expect(checkOutboundUrl('https://nowhere.invalid/x', false, async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow(/could not be resolved/);
  });

  it('lets development use http and private addresses when configured', async () => {
    await expect(checkOutboundUrl('http://127.0.0.1:3000/hooks', true)).resolves.toBeInstanceOf(URL);
  });
});
