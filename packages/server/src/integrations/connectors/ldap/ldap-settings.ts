import { X509Certificate } from 'node:crypto';
import { FilterParser } from 'ldapts';
import { ConnectorError } from '../connector.js';

/** What an LDAP integration's credential fields say, checked and with defaults filled in. */
export interface LdapSettings {
  /** ldap://host[:389] or ldaps://host[:636], as typed (trimmed, no trailing slash). */
  url: string;
  secure: boolean;
  host: string;
  port: number;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  groupFilter: string;
  /** Upgrade an ldap:// connection with StartTLS before binding. */
  startTls: boolean;
  /** PEM of the CA to trust besides the system's, or null. */
  caCertificate: string | null;
  /** Resolve groups' members through nested groups (AD's group-in-group). */
  nestedGroups: boolean;
  /** Attribute overrides; null means the defaults (mail then userPrincipalName; displayName then givenName + sn). */
  emailAttribute: string | null;
  nameAttribute: string | null;
}

export const DEFAULT_USER_FILTER = '(objectClass=person)';
export const DEFAULT_GROUP_FILTER = '(|(objectClass=groupOfNames)(objectClass=group))';

const YES = new Set(['yes', 'true', 'on', '1']);
const NO = new Set(['', 'no', 'false', 'off', '0']);

function yesNo(value: string | undefined, label: string): boolean {
  const normalized = (value ?? '').trim().toLowerCase();
  if (YES.has(normalized)) return true;
  if (NO.has(normalized)) return false;
  throw new ConnectorError('UPSTREAM_ERROR', `${label} must be yes or no.`);
}

/** The server's address from an ldap:// or ldaps:// URL; a refusal names what is wrong with it. */
export function parseLdapUrl(raw: string): { url: string; secure: boolean; host: string; port: number } {
  const text = raw.trim().replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConnectorError(
      'UPSTREAM_ERROR',
      'The server URL is not valid; it must look like ldaps://dc1.example.com or ldap://dc1.example.com:389.',
    );
  }
  if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:')
    throw new ConnectorError('UPSTREAM_ERROR', 'The server URL must start with ldap:// or ldaps://.');
  if (parsed.username || parsed.password)
    throw new ConnectorError('UPSTREAM_ERROR', 'The server URL must not contain a user name or password.');
  if ((parsed.pathname && parsed.pathname !== '/') || parsed.search)
    throw new ConnectorError('UPSTREAM_ERROR', 'The server URL is the server only (ldap://host:port); give the base DN in its own field.');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new ConnectorError('UPSTREAM_ERROR', 'The server URL has no host.');
  const secure = parsed.protocol === 'ldaps:';
  return { url: text, secure, host, port: parsed.port ? Number(parsed.port) : secure ? 636 : 389 };
}

/**
 * A pasted PEM certificate, re-wrapped: a one-line text box (or a mail client) may have turned its line breaks
 * into spaces. Refused when it is not a certificate.
 */
export function normalizeCertificate(raw: string): string {
  const blocks = [...raw.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((match) => {
    const body = (match[1] ?? '').replace(/\s+/g, '');
    return `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  });
  const pem = blocks.join('');
  try {
    if (!blocks.length) throw new Error('no certificate');
    new X509Certificate(pem);
  } catch {
    throw new ConnectorError(
      'UPSTREAM_ERROR',
      'The CA certificate is not a PEM certificate: paste the whole file, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.',
    );
  }
  return pem;
}

/** Refuses a filter the client cannot parse (RFC 4515), naming the field, before anything is sent. */
function checkFilter(filter: string, label: string): string {
  try {
    // The parser forgives a missing last parenthesis of a compound filter; a server would not. Parentheses in
    // values are escaped (\28, \29) in RFC 4515, so counting them is exact.
    let depth = 0;
    for (const char of filter) {
      depth += char === '(' ? 1 : char === ')' ? -1 : 0;
      if (depth < 0) break;
    }
    if (depth !== 0) throw new Error('its parentheses do not balance');
    FilterParser.parseString(filter);
  } catch (error) {
    throw new ConnectorError(
      'UPSTREAM_ERROR',
      `The ${label} ${JSON.stringify(filter)} is not a valid LDAP filter (RFC 4515, e.g. (&(objectClass=user)(mail=*))): ${(error as Error).message}.`,
    );
  }
  return filter;
}

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*$/;

function attributeName(value: string | undefined, label: string): string | null {
  const name = value?.trim();
  if (!name) return null;
  if (!ATTRIBUTE.test(name)) throw new ConnectorError('UPSTREAM_ERROR', `${label} must be an attribute name such as mail.`);
  return name;
}

export function ldapSettings(credentials: Record<string, string>): LdapSettings {
  const address = parseLdapUrl(credentials.url ?? '');
  const startTls = yesNo(credentials.startTls, 'StartTLS');
  if (startTls && address.secure)
    throw new ConnectorError('UPSTREAM_ERROR', 'ldaps:// is encrypted from the start; StartTLS is for ldap:// URLs only.');
  const baseDn = (credentials.baseDn ?? '').trim();
  if (!baseDn) throw new ConnectorError('UPSTREAM_ERROR', 'The base DN is required, e.g. dc=example,dc=com.');
  return {
    ...address,
    bindDn: (credentials.bindDn ?? '').trim(),
    bindPassword: credentials.bindPassword ?? '',
    baseDn,
    userFilter: checkFilter(credentials.userFilter?.trim() || DEFAULT_USER_FILTER, 'user filter'),
    groupFilter: checkFilter(credentials.groupFilter?.trim() || DEFAULT_GROUP_FILTER, 'group filter'),
    startTls,
    caCertificate: credentials.caCertificate?.trim() ? normalizeCertificate(credentials.caCertificate) : null,
    nestedGroups: yesNo(credentials.nestedGroups, 'Nested groups'),
    emailAttribute: attributeName(credentials.emailAttribute, 'The email attribute'),
    nameAttribute: attributeName(credentials.nameAttribute, 'The name attribute'),
  };
}

/**
 * Where the bind password goes, as a URL for the outbound guard (core/http/outbound-http.ts `check`), so the
 * LDAP host is judged by the same rule as every HTTP connector's: a private or loopback server is refused
 * unless OUTBOUND_ALLOW_PRIVATE_NETWORKS is on. (Plain, unencrypted LDAP is refused at connection time under
 * the same setting, with its own message; see ldap-session.ts.) None when the URL is not an LDAP URL: the
 * connection test says what is wrong with it.
 */
export function ldapDestinations(credentials: Record<string, string>): string[] {
  try {
    const address = parseLdapUrl(credentials.url ?? '');
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    return [`https://${host}:${address.port}/`];
  } catch {
    return [];
  }
}
