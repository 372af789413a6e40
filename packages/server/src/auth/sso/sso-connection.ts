import type { DataSource } from 'typeorm';
import { recordAudit } from '../../audit/index.js';
import { inTransaction } from '../../core/db/transaction.js';
import { badInput } from '../../core/errors.js';
import { actorOf, type Viewer } from '../../core/viewer.js';
import type { SecretBox } from '../../integrations/index.js';
import { SsoConnectionEntity, type SsoProviderKind } from './sso.entity.js';

/** What an administrator types to connect an identity provider. A preset fills the issuer from its own fields. */
export interface SsoConnectionInput {
  provider: SsoProviderKind;
  /** CUSTOM: the issuer URL. */
  issuer?: string | null;
  /** ENTRA_ID: the directory (tenant) id. */
  tenantId?: string | null;
  clientId: string;
  /** Left out keeps the stored secret, unless the issuer changes (a secret only goes where it was entered). */
  clientSecret?: string | null;
  allowedDomains: string[];
  ssoOnly: boolean;
}

/** Where the presets' issuers live; overridable so tests reach an in-process provider. */
export interface SsoIssuerBases {
  microsoftLoginBaseUrl: string;
}

export const GOOGLE_ISSUER = 'https://accounts.google.com';

/** The sealed secret is bound to the account, so it cannot be moved to another account's row. */
export const secretBinding = (accountId: string): string => `sso:${accountId}`;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/;

/** The issuer a connection starts discovery from: the preset's, or the one typed (CUSTOM). */
export function issuerFor(input: Pick<SsoConnectionInput, 'provider' | 'issuer' | 'tenantId'>, bases: SsoIssuerBases): string {
  if (input.provider === 'ENTRA_ID') {
    const tenant = (input.tenantId ?? '').trim();
    if (!TENANT.test(tenant))
      throw badInput(
        'input.tenantId',
        'Enter the directory (tenant) id of your Microsoft Entra ID, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47.',
      );
    return `${bases.microsoftLoginBaseUrl}/${tenant}/v2.0`;
  }
  if (input.provider === 'GOOGLE') return GOOGLE_ISSUER;
  const raw = (input.issuer ?? '').trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput('input.issuer', 'Enter the issuer URL of your identity provider, e.g. https://idp.example.com.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badInput('input.issuer', 'The issuer URL must start with https://.');
  if (url.search || url.hash || url.username || url.password)
    throw badInput('input.issuer', 'The issuer URL has no query, fragment or user name: copy it from the provider.');
  if (raw.length > 500) throw badInput('input.issuer', 'The issuer URL has at most 500 characters.');
  return raw.replace(/\/+$/, '');
}

/** Lower-cased, unique, each a domain name; at least one (a connection must say whose emails it vouches for). */
export function readAllowedDomains(domains: string[]): string[] {
  const cleaned = [...new Set(domains.map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean))];
  if (cleaned.length === 0) throw badInput('input.allowedDomains', 'Enter at least one email domain, e.g. example.com.');
  if (cleaned.length > 50) throw badInput('input.allowedDomains', 'At most 50 domains.');
  const bad = cleaned.find((d) => !DOMAIN.test(d));
  if (bad) throw badInput('input.allowedDomains', `"${bad}" is not a domain name; enter domains such as example.com.`);
  return cleaned;
}

export function allowedDomainsOf(connection: Pick<SsoConnectionEntity, 'allowedDomains'>): string[] {
  return JSON.parse(connection.allowedDomains) as string[];
}

/** Saves (creates or replaces) the account's connection; audited without the secret. */
export async function saveConnection(
  dataSource: DataSource,
  secretBox: SecretBox,
  bases: SsoIssuerBases,
  viewer: Viewer,
  input: SsoConnectionInput,
  now: Date,
): Promise<SsoConnectionEntity> {
  if (!['ENTRA_ID', 'GOOGLE', 'CUSTOM'].includes(input.provider)) throw badInput('input.provider', 'Choose ENTRA_ID, GOOGLE or CUSTOM.');
  const issuer = issuerFor(input, bases);
  const clientId = input.clientId.trim();
  if (!clientId || clientId.length > 255) throw badInput('input.clientId', 'Enter the client (application) id, at most 255 characters.');
  const domains = readAllowedDomains(input.allowedDomains);
  const secret = input.clientSecret?.trim() || null;
  if (secret && secret.length > 2000) throw badInput('input.clientSecret', 'The client secret has at most 2,000 characters.');

  return inTransaction(dataSource, async (manager) => {
    const before = await manager.getRepository(SsoConnectionEntity).findOneBy({ accountId: viewer.accountId });
    if (!secret && !before) throw badInput('input.clientSecret', 'Enter the client secret.');
    // A stored secret only goes where it was entered: a new issuer or client needs it typed again.
    if (!secret && before && (before.issuer !== issuer || before.clientId !== clientId))
      throw badInput('input.clientSecret', 'The issuer or client id changed: enter the client secret again.');
    const row: SsoConnectionEntity = {
      accountId: viewer.accountId,
      provider: input.provider,
      issuer,
      tenantId: input.provider === 'ENTRA_ID' ? (input.tenantId ?? '').trim() : null,
      clientId,
      sealedClientSecret: secret ? secretBox.seal(secret, secretBinding(viewer.accountId)) : before!.sealedClientSecret,
      allowedDomains: JSON.stringify(domains),
      ssoOnly: input.ssoOnly,
      updatedAt: now,
    };
    await manager.getRepository(SsoConnectionEntity).save(row);
    await recordAudit(manager, viewer.accountId, actorOf(viewer), [
      {
        action: 'sso.connection_saved',
        details: { provider: row.provider, issuer, clientId, allowedDomains: domains, ssoOnly: row.ssoOnly, secretChanged: !!secret },
      },
    ]);
    return row;
  });
}

export async function removeConnection(dataSource: DataSource, viewer: Viewer): Promise<boolean> {
  return inTransaction(dataSource, async (manager) => {
    const removed = await manager.getRepository(SsoConnectionEntity).delete({ accountId: viewer.accountId });
    if (!removed.affected) return false;
    await recordAudit(manager, viewer.accountId, actorOf(viewer), [{ action: 'sso.connection_removed' }]);
    return true;
  });
}
