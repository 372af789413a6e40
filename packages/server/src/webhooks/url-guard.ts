import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Webhook URLs are fetched by the server, so a URL is a way into the server's network (request forgery):
 * only https, and only hosts that resolve to public addresses, unless configuration allows private targets
 * (development, tests). Checked when an endpoint is saved and again on every delivery, inside the socket's
 * own DNS lookup, so a name that resolves to a public address at registration and to 127.0.0.1 later
 * (DNS rebinding) is still refused.
 */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 (embeds IPv4)
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6');
}

/** Why an address may not be called, or null when it is public. */
export function nonPublicReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  if (family === 6) {
    // IPv4-mapped (::ffff:10.0.0.1) addresses reach the IPv4 network: judge the IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return nonPublicReason(mapped[1]!);
  }
  return nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6') ? `${address} is a private, loopback, link-local or multicast address` : null;
}

export class UnsafeWebhookUrl extends Error {}

/** Checks the URL's form; throws UnsafeWebhookUrl with the reason. */
export function checkUrlForm(raw: string, allowPrivateNetworks: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookUrl('The URL is not valid; it must look like https://example.com/webhooks/roster.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivateNetworks)) {
    throw new UnsafeWebhookUrl('The URL must start with https:// (plain http is allowed only when WEBHOOK_ALLOW_PRIVATE_NETWORKS is true).');
  }
  if (url.username || url.password) throw new UnsafeWebhookUrl('The URL must not contain a user name or password; the signature authenticates Roster.');
  if (!url.hostname) throw new UnsafeWebhookUrl('The URL has no host.');
  return url;
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((a) => a.address))));
  });

/** Checks the form and that every address the host resolves to is public; throws UnsafeWebhookUrl with the reason. */
export async function checkWebhookUrl(raw: string, allowPrivateNetworks: boolean, resolve: Resolver = systemResolver): Promise<URL> {
  const url = checkUrlForm(raw, allowPrivateNetworks);
  if (allowPrivateNetworks) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UnsafeWebhookUrl(`The host ${host} could not be resolved (DNS).`);
    }
  }
  for (const address of addresses) {
    const reason = nonPublicReason(address);
    if (reason) throw new UnsafeWebhookUrl(`The host ${host} resolves to ${reason}, which webhooks may not call (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it in development).`);
  }
  return url;
}

/**
 * A DNS lookup for outgoing sockets that refuses non-public addresses: the address checked is the address
 * connected to, so nothing changes between the check and the connection.
 */
export function guardedLookup(allowPrivateNetworks: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as Array<{ address: string; family: number }>;
      if (!allowPrivateNetworks) {
        for (const entry of list) {
          const reason = nonPublicReason(entry.address);
          if (reason) return callback(Object.assign(new UnsafeWebhookUrl(`${hostname} resolves to ${reason}`), { code: 'EWEBHOOKBLOCKED' }), '', 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
