import { createGuardrails, generate } from 'otplib';
import type { DataSource } from 'typeorm';
import { GraphQLError } from 'graphql';
import { ErrorCode, notFound } from '../core/errors.js';
import { inTransaction } from '../core/db/transaction.js';
import type { Logger } from '../core/logger.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { recordAudit } from '../audit/index.js';
import { fieldBinding, type VaultKeys } from './vault-keys.js';
import { VaultItemEntity } from './vault-item.entity.js';
import { requireVaultAccess } from './vault-access.js';
import { toVaultItem } from './vault-item-row.js';
import type { RevealedVaultItem } from './vault.types.js';

export interface RevealLimits {
  /** Reveals one person (or API key) may make per window. */
  perWindow: number;
  windowMs: number;
  now: () => number;
}

export const DEFAULT_REVEAL_LIMITS: RevealLimits = { perWindow: 30, windowMs: 10 * 60_000, now: Date.now };

const TOTP_PERIOD_SECONDS = 30;

/**
 * otplib refuses secrets under 16 bytes by default (a rule for secrets it makes); the vault only reads codes of secrets
 * other services issued, and 10-byte (80-bit) ones are common (RFC 4226's minimum is 16 bytes recommended, 10 allowed).
 */
const READ_ONLY_GUARDRAILS = createGuardrails({ MIN_SECRET_BYTES: 10 });

/**
 * Counts reveals per person or API key in a sliding window, in this process: a burst of reveals (someone reading out a
 * whole vault) is stopped with RATE_LIMITED and the seconds to wait.
 */
export class RevealThrottle {
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly limits: RevealLimits) {}

  take(who: string): void {
    const now = this.limits.now();
    const since = now - this.limits.windowMs;
    const times = (this.recent.get(who) ?? []).filter((t) => t > since);
    if (times.length >= this.limits.perWindow) {
      const retryAfter = Math.max(1, Math.ceil((times[0]! + this.limits.windowMs - now) / 1000));
      throw new GraphQLError(`Too many reveals. Try again in ${retryAfter} second(s).`, {
        extensions: { code: ErrorCode.RATE_LIMITED, retryAfter },
      });
    }
    times.push(now);
    this.recent.set(who, times);
  }
}

/**
 * Reveals one item's secrets to someone allowed to open its company's vault; the reveal is audited (who, which item,
 * when, from which address) in the same transaction, with the item's name and company but never a value.
 */
export async function revealVaultItem(
  dataSource: DataSource,
  keys: VaultKeys,
  throttle: RevealThrottle,
  viewer: Viewer,
  itemId: string,
  logger?: Logger,
): Promise<RevealedVaultItem> {
  return inTransaction(dataSource, async (manager) => {
    const item = await manager.getRepository(VaultItemEntity).findOneBy({ id: itemId, accountId: viewer.accountId });
    if (!item) throw notFound('Vault item', 'input.id');
    await requireVaultAccess(manager, viewer, item.companyId);
    throttle.take(viewer.apiKey ? `key:${viewer.apiKey.id}` : `member:${viewer.membershipId}`);
    const key = await keys.forAccount(manager, viewer.accountId);
    const password = key.box.open(item.sealedPassword, fieldBinding(item.id, 'password'));
    const notes = item.sealedNotes === null ? null : key.box.open(item.sealedNotes, fieldBinding(item.id, 'notes'));
    const totp =
      item.sealedTotpSecret === null
        ? { totpCode: null, totpExpiresInSeconds: null, totpError: null }
        : await currentCode(key.box.open(item.sealedTotpSecret, fieldBinding(item.id, 'totp')), item, logger);
    await recordAudit(manager, viewer.accountId, actorOf(viewer), [
      {
        action: 'vault.item_revealed',
        targetId: item.id,
        details: { itemName: item.name, companyId: item.companyId, withTotp: totp.totpCode !== null },
      },
    ]);
    return { item: toVaultItem(item), password, notes, ...totp };
  });
}

/**
 * The code of a TOTP secret now. A secret that cannot make one (not base32: an upstream tool stored something else, or a
 * typo) must not cost the password with it: the reveal says the code is unavailable, and the log says which item, never
 * the secret (otplib's message quotes its characters).
 */
async function currentCode(
  secret: string,
  item: Pick<VaultItemEntity, 'id' | 'accountId'>,
  logger: Logger | undefined,
): Promise<Pick<RevealedVaultItem, 'totpCode' | 'totpExpiresInSeconds' | 'totpError'>> {
  const epoch = Math.floor(Date.now() / 1000);
  try {
    const totpCode = await generate({ secret: secret.replace(/\s+/g, '').toUpperCase(), epoch, guardrails: READ_ONLY_GUARDRAILS });
    return { totpCode, totpExpiresInSeconds: TOTP_PERIOD_SECONDS - (epoch % TOTP_PERIOD_SECONDS), totpError: null };
  } catch {
    logger?.warn?.('Vault item has a TOTP secret that makes no code (not a valid base32 secret)', {
      vaultItemId: item.id,
      accountId: item.accountId,
    });
    return {
      totpCode: null,
      totpExpiresInSeconds: null,
      totpError: 'The stored TOTP secret is not a valid base32 secret, so no code can be made; correct it where it comes from.',
    };
  }
}
