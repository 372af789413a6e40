import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * Every request Roster sends to another server (vendors' APIs, webhook receivers, the email provider) goes
 * through `OutboundHttp`. The URLs come from administrators (a ConnectWise site, a webhook URL) or from
 * configuration, so each is a way into the server's own network (request forgery). Unless
 * OUTBOUND_ALLOW_PRIVATE_NETWORKS is on (development, tests), only https is used, and only public addresses
 * are connected to: an IP literal is judged before anything is sent, a host name inside the socket's own DNS
 * lookup, so the address checked is the address connected to (a name that resolves to a public address when
 * saved and to 127.0.0.1 later, DNS rebinding, is still refused). Redirects are not followed (a public host
 * could otherwise send the request inside). Every request has a deadline covering connecting, sending and
 * reading the whole answer, and honours the caller's abort signal, so one hung server cannot stop a worker.
 */

/** The setting that lifts the guard; named in every refusal so an operator knows what to change. */
export const ALLOW_PRIVATE_SETTING = 'OUTBOUND_ALLOW_PRIVATE_NETWORKS';

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
  return nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6')
    ? `${address} is a private, loopback, link-local or multicast address`
    : null;
}

export type OutboundFailure =
  /** The URL or the address it resolves to may not be called (form, scheme, private address). Nothing was sent. */
  | 'REFUSED'
  /** No complete answer within the deadline; the request was aborted. */
  | 'TIMEOUT'
  /** The caller aborted (run cancelled, lease lost, shutting down). */
  | 'ABORTED'
  /** DNS failed, the connection was refused or reset. */
  | 'UNREACHABLE'
  /** The answer was larger than the caller accepts. */
  | 'TOO_LARGE';

/** Why an outbound request got no usable answer. The message never holds the answer's body or the request's credentials. */
export class OutboundError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

/** Checks the URL's form (scheme, no user info, a host); throws OutboundError REFUSED with the reason. */
export function checkUrlForm(raw: string | URL, allowPrivateNetworks: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('REFUSED', 'The URL is not valid; it must look like https://example.com/path.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivateNetworks)) {
    throw new OutboundError(
      'REFUSED',
      `The URL must start with https:// (plain http is allowed only when ${ALLOW_PRIVATE_SETTING} is true).`,
    );
  }
  if (url.username || url.password) throw new OutboundError('REFUSED', 'The URL must not contain a user name or password.');
  if (!url.hostname) throw new OutboundError('REFUSED', 'The URL has no host.');
  return url;
}

const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

const refusedAddress = (host: string, reason: string) =>
  new OutboundError(
    'REFUSED',
    `The host ${host} resolves to ${reason}, which Roster may not call (set ${ALLOW_PRIVATE_SETTING}=true to allow it in development).`,
  );

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((a) => a.address))));
  });

/**
 * Checks the form and that every address the host resolves to is public, for a URL being saved (the
 * administrator hears at once); the request itself is checked again at connection time.
 */
export async function checkOutboundUrl(raw: string | URL, allowPrivateNetworks: boolean, resolve: Resolver = systemResolver): Promise<URL> {
  const url = checkUrlForm(raw, allowPrivateNetworks);
  if (allowPrivateNetworks) return url;
  const host = bareHost(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new OutboundError('UNREACHABLE', `The host ${host} could not be resolved (DNS).`);
    }
  }
  for (const address of addresses) {
    const reason = nonPublicReason(address);
    if (reason) throw refusedAddress(host, reason);
  }
  return url;
}

const BLOCKED = 'EOUTBOUNDBLOCKED';

/**
 * A DNS lookup for outgoing sockets that refuses non-public addresses: the address checked is the address
 * connected to, so nothing changes between the check and the connection.
 */
export function guardedLookup(allowPrivateNetworks: () => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as Array<{ address: string; family: number }>;
      if (!allowPrivateNetworks()) {
        for (const entry of list) {
          const reason = nonPublicReason(entry.address);
          if (reason) return callback(Object.assign(refusedAddress(hostname, reason), { code: BLOCKED }), '', 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

export interface OutboundHttpOptions {
  /** Read at every request, so a changed setting applies at once. */
  allowPrivateNetworks: () => boolean;
  /** Deadline of one request, from connecting to the last byte of the answer (default 30 s). */
  timeoutMs?: number;
  /** Largest answer read (default 50 MB); a larger one fails TOO_LARGE, or is cut short with `truncate`. */
  maxResponseBytes?: number;
  userAgent?: string;
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the request (and the reading of its answer) when the caller gives up. */
  signal?: AbortSignal;
  /** Overrides the client's deadline for this request. */
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Keep the first `maxResponseBytes` of a larger answer instead of failing (a log excerpt). */
  truncate?: boolean;
}

/** Guarded, deadline-bound HTTP for every outbound call. Answers are read whole (up to a size) within the deadline. */
export class OutboundHttp {
  readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;
  private readonly agent: Agent;

  constructor(
    private readonly options: OutboundHttpOptions,
    agent?: Agent,
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 50 * 1024 * 1024;
    this.userAgent = options.userAgent ?? 'Roster/1';
    this.agent = agent ?? new Agent({ connect: { lookup: guardedLookup(options.allowPrivateNetworks) } });
  }

  /** The same client (same guard and connections) with another deadline or user agent. */
  with(overrides: Pick<OutboundHttpOptions, 'timeoutMs' | 'userAgent' | 'maxResponseBytes'>): OutboundHttp {
    return new OutboundHttp(
      { ...this.options, timeoutMs: this.timeoutMs, userAgent: this.userAgent, maxResponseBytes: this.maxResponseBytes, ...overrides },
      this.agent,
    );
  }

  get allowsPrivateNetworks(): boolean {
    return this.options.allowPrivateNetworks();
  }

  /** Checks a URL being saved: form and, unless private networks are allowed, that its host resolves to public addresses only. */
  check(raw: string | URL, resolve?: Resolver): Promise<URL> {
    return checkOutboundUrl(raw, this.options.allowPrivateNetworks(), resolve);
  }

  /**
   * Sends one request; resolves with the whole answer (a Response whose body is already read), whatever its
   * status. Throws OutboundError when there is no usable answer; never follows redirects.
   */
  async fetch(raw: string | URL, request: OutboundRequest = {}): Promise<Response> {
    const allowPrivate = this.options.allowPrivateNetworks();
    const url = checkUrlForm(raw, allowPrivate);
    const host = bareHost(url);
    // An IP literal is connected to without a DNS lookup, so the lookup guard never sees it: judge it here.
    if (!allowPrivate && isIP(host)) {
      const reason = nonPublicReason(host);
      if (reason) throw refusedAddress(host, reason);
    }
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const limit = request.maxResponseBytes ?? this.maxResponseBytes;
    const controller = new AbortController();
    const timeout = new OutboundError('TIMEOUT', `${url.origin} did not answer within ${formatSeconds(timeoutMs)}.`);
    const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
    const onCallerAbort = () => controller.abort(new OutboundError('ABORTED', `The request to ${url.origin} was abandoned.`));
    if (request.signal?.aborted) onCallerAbort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const response = await undiciFetch(url, {
        method: request.method ?? 'GET',
        headers: { 'user-agent': this.userAgent, ...request.headers },
        body: request.body,
        redirect: 'manual',
        signal: controller.signal,
        dispatcher: this.agent,
      });
      const body = await readLimited(response.body as ReadableStream<Uint8Array> | null, limit, request.truncate ?? false, url.origin);
      const nullBody = response.status === 204 || response.status === 205 || response.status === 304;
      return new Response(nullBody ? null : (body as unknown as BodyInit), {
        status: response.status,
        statusText: response.statusText,
        headers: Object.fromEntries(response.headers),
      });
    } catch (error) {
      throw this.failureOf(error, controller.signal, url);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private failureOf(error: unknown, signal: AbortSignal, url: URL): OutboundError {
    if (error instanceof OutboundError) return error;
    if (signal.aborted && signal.reason instanceof OutboundError) return signal.reason;
    // undici wraps the socket's error as `cause`; the guarded lookup marks its refusals.
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    if (cause instanceof OutboundError) return new OutboundError(cause.failure, cause.message);
    const code = cause?.code ?? (error as NodeJS.ErrnoException).code;
    return new OutboundError('UNREACHABLE', `${url.origin} could not be reached${code ? ` (${code})` : ''}.`);
  }
}

async function readLimited(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
  truncate: boolean,
  origin: string,
): Promise<Uint8Array> {
  if (!stream) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > limit) {
        if (!truncate) throw new OutboundError('TOO_LARGE', `${origin} answered with more than ${limit} bytes.`);
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks, size);
}

function formatSeconds(ms: number): string {
  return `${ms / 1000} s`;
}

/**
 * What an HTTP status means, for error messages that must never quote the remote body (it may be an
 * internal service's answer, or echo what was sent).
 */
export function describeStatus(status: number): string {
  if (status === 400) return 'the request was refused as malformed';
  if (status === 401) return 'the credentials were refused';
  if (status === 403) return 'access was denied';
  if (status === 404) return 'nothing was found at this address';
  if (status === 408) return 'the server gave up waiting for the request';
  if (status === 429) return 'too many requests';
  if (status >= 300 && status < 400) return 'a redirect, which Roster does not follow';
  if (status >= 500) return 'a server error';
  if (status >= 400) return 'the request was refused';
  return 'an unexpected status';
}
