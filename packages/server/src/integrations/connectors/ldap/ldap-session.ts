import net from 'node:net';
import { Client, ResultCodeError } from 'ldapts';
import { ALLOW_PRIVATE_SETTING, guardedLookup, nonPublicReason, OutboundError } from '../../../core/http/outbound-http.js';
import { ConnectorError, type ConnectorEnvironment } from '../connector.js';
import type { LdapSettings } from './ldap-settings.js';

/** What the connector was doing when something failed, for the message. */
export type LdapStep = 'connect' | 'startTls' | 'bind' | 'base' | 'users' | 'groups';

/**
 * Opens a connection to the directory and binds, or throws a ConnectorError the admin can act on. Every
 * socket goes through the outbound guard's rule (core/http/outbound-http.ts): an IP literal is judged before
 * connecting, a host name inside the socket's own DNS lookup (guardedLookup), so the address checked is the
 * address connected to. Plain LDAP (no ldaps://, no StartTLS) would send the bind password unencrypted, so it
 * is allowed only where plain http is, with private networks allowed.
 */
export async function openLdapSession(settings: LdapSettings, env: ConnectorEnvironment): Promise<LdapSession> {
  const allowPrivate = env.http.allowsPrivateNetworks;
  if (!allowPrivate && net.isIP(settings.host)) {
    const reason = nonPublicReason(settings.host);
    if (reason)
      throw new ConnectorError(
        'ADDRESS_NOT_ALLOWED',
        `The LDAP server ${settings.host} is ${reason.replace(/^\S+ is /, '')}, which Roster may not call (set ${ALLOW_PRIVATE_SETTING}=true to allow it).`,
      );
  }
  if (!settings.secure && !settings.startTls && !allowPrivate)
    throw new ConnectorError(
      'ADDRESS_NOT_ALLOWED',
      `Plain ldap:// would send the bind password unencrypted: use ldaps:// or turn on StartTLS (plain LDAP is allowed only when ${ALLOW_PRIVATE_SETTING} is true).`,
    );
  const lookup = guardedLookup(() => allowPrivate);
  const trust = settings.caCertificate ? { ca: [settings.caCertificate] } : {};
  const servername = net.isIP(settings.host) ? undefined : settings.host;
  const timeout = env.http.timeoutMs;
  const client = new Client({
    url: settings.url,
    timeout,
    connectTimeout: Math.min(timeout, 20_000),
    // ldapts treats any tlsOptions as "connect with TLS", so they are given for ldaps:// only.
    ...(settings.secure ? { tlsOptions: { ...trust, servername, lookup } } : {}),
    createConnection: ((port: number, host: string) => net.connect({ port, host, lookup })) as typeof net.connect,
  });
  // An abandoned run (cancelled, lease lost, shutting down) closes the connection: the request in flight fails at once.
  const abandon = () => void client.unbind().catch(() => {});
  env.signal?.addEventListener('abort', abandon, { once: true });
  const session: LdapSession = {
    client,
    close: async () => {
      env.signal?.removeEventListener('abort', abandon);
      await client.unbind().catch(() => {});
    },
  };
  let step: LdapStep = 'connect';
  try {
    if (settings.startTls) {
      step = 'startTls';
      await client.startTLS({ ...trust, host: settings.host, servername });
    }
    step = 'bind';
    await client.bind(settings.bindDn, settings.bindPassword);
    return session;
  } catch (error) {
    await session.close();
    throw ldapFailure(error, settings, step);
  }
}

export interface LdapSession {
  client: Client;
  /** Unbinds and closes the connection (never throws). */
  close(): Promise<void>;
}

const TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** A failure of the LDAP server or the way to it, in words the admin can act on; never quotes the password. */
export function ldapFailure(error: unknown, settings: LdapSettings, step: LdapStep): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const server = settings.url;
  if (error instanceof OutboundError)
    return new ConnectorError(error.failure === 'REFUSED' ? 'ADDRESS_NOT_ALLOWED' : 'UNREACHABLE', error.message);
  const cause = error as NodeJS.ErrnoException & { code?: string | number };
  if (cause?.code === 'EOUTBOUNDBLOCKED') return new ConnectorError('ADDRESS_NOT_ALLOWED', cause.message);
  if (error instanceof ResultCodeError) return resultCodeFailure(error, settings, step);
  const code = typeof cause?.code === 'string' ? cause.code : null;
  if (code && TRUST_CODES.has(code))
    return new ConnectorError(
      'UNREACHABLE',
      `The certificate of ${server} is not trusted (${code}): paste the certificate of the CA that signed it into “CA certificate”${settings.caCertificate ? ' (the one given did not sign it)' : ''}.`,
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new ConnectorError(
      'UNREACHABLE',
      `The certificate of ${server} is not made out for ${settings.host}: use the host name the certificate names.`,
    );
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return new ConnectorError('UNREACHABLE', `The certificate of ${server} is not valid now (${code}).`);
  if (code === 'ECONNRESET' && step === 'connect' && settings.secure)
    return new ConnectorError(
      'UNREACHABLE',
      `${server} closed the connection during the TLS handshake: is ldaps:// served on port ${settings.port}?`,
    );
  const message = (error as Error)?.message ?? '';
  if (/timed? ?out/i.test(message) || code === 'ETIMEDOUT')
    return new ConnectorError('UNREACHABLE', `${server} did not answer in time while ${STEP_WORDS[step]}.`);
  if (step === 'connect' || step === 'startTls' || code)
    return new ConnectorError('UNREACHABLE', `${server} could not be reached${code ? ` (${code})` : message ? ` (${message})` : ''}.`);
  if (/Connection closed/i.test(message)) return new ConnectorError('UNREACHABLE', `${server} closed the connection.`);
  return new ConnectorError('UPSTREAM_ERROR', `${server} failed while ${STEP_WORDS[step]}: ${message || 'unknown error'}.`);
}

const STEP_WORDS: Record<LdapStep, string> = {
  connect: 'connecting',
  startTls: 'starting TLS',
  bind: 'binding',
  base: 'reading the base DN',
  users: 'searching users',
  groups: 'searching groups',
};

/** An LDAP result code (RFC 4511 §4.1.9); ldapts' error classes cannot be told apart by instanceof, only by code. */
function resultCodeFailure(error: ResultCodeError, settings: LdapSettings, step: LdapStep): ConnectorError {
  const server = settings.url;
  switch (error.code) {
    case 49: // invalidCredentials
      return new ConnectorError(
        'AUTHENTICATION_FAILED',
        `${server} refused the bind DN or password (invalidCredentials): check the bind DN (e.g. cn=roster,ou=service,dc=example,dc=com or roster@example.com on Active Directory) and its password.`,
      );
    case 48: // inappropriateAuthentication
    case 53: // unwillingToPerform
      if (step === 'bind')
        return new ConnectorError(
          'AUTHENTICATION_FAILED',
          `${server} refused the simple bind (${codeName(error.code)}): give a bind DN and its password.`,
        );
      break;
    case 8: // strongerAuthRequired
    case 13: // confidentialityRequired
      return new ConnectorError(
        'AUTHENTICATION_FAILED',
        `${server} requires an encrypted connection (${codeName(error.code)}): turn on StartTLS or use ldaps://.`,
      );
    case 32: // noSuchObject
      return new ConnectorError(
        'UPSTREAM_ERROR',
        `The base DN "${settings.baseDn}" does not exist on ${server} (noSuchObject), or the bind DN may not read it.`,
      );
    case 34: // invalidDNSyntax
      return new ConnectorError(
        'UPSTREAM_ERROR',
        `${step === 'bind' ? 'The bind DN' : `The base DN "${settings.baseDn}"`} is not a valid DN (invalidDNSyntax).`,
      );
    case 50: // insufficientAccessRights
      return new ConnectorError(
        'PERMISSION_DENIED',
        `The bind DN may not read ${STEP_WORDS[step].replace('searching ', '')} on ${server} (insufficientAccessRights).`,
      );
    case 2: // protocolError: a StartTLS refused, or a search the server cannot parse
      if (step === 'startTls') return new ConnectorError('UPSTREAM_ERROR', `${server} does not offer StartTLS: use ldaps:// instead.`);
      break;
    case 52: // unavailable
    case 51: // busy
      return new ConnectorError('UNREACHABLE', `${server} is unavailable or busy (${codeName(error.code)}); try again later.`);
    case 12: // unavailableCriticalExtension: the paged-results control
      return new ConnectorError(
        'UPSTREAM_ERROR',
        `${server} does not support paged searches (RFC 2696), which Roster needs to read a directory.`,
      );
    case 87: // filterError (sent by clients; some servers answer it)
      return new ConnectorError('UPSTREAM_ERROR', `${server} refused the ${step === 'groups' ? 'group' : 'user'} filter as invalid.`);
  }
  return new ConnectorError('UPSTREAM_ERROR', `${server} answered ${codeName(error.code)} while ${STEP_WORDS[step]}.`);
}

const CODE_NAMES: Record<number, string> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  4: 'sizeLimitExceeded',
  8: 'strongerAuthRequired',
  11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  16: 'noSuchAttribute',
  17: 'undefinedAttributeType',
  32: 'noSuchObject',
  34: 'invalidDNSyntax',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

const codeName = (code: number) => `${CODE_NAMES[code] ?? 'result code'} (${code})`;
