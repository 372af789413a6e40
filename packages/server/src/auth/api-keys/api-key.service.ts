import type { DataSource } from 'typeorm';
import { isAdministrator, UserStatus } from '../../accounts/index.js';
import { badInput, notFound, type ApiKeyRejection } from '../../core/errors.js';
import { recordAudit } from '../../audit/index.js';
import { fromSqlDateTime, newId } from '../../core/db/columns.js';
import { toPageRequest, type Connection, type PageArgs } from '../../core/lists/connection.js';
import { readKeysetPage } from '../../core/lists/keyset.js';
import { inTransaction } from '../../core/db/transaction.js';
import { actorOf, type Viewer } from '../../core/viewer.js';
import { newApiKeySecret, parseApiKey, sameHash } from './api-key-format.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { isApiScope, type ApiScope } from './scopes.js';

/** lastUsedAt is written at most this often per key: a busy integration costs one write a minute, not one per call. */
export const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_NAME_LENGTH = 100;

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  createdAt: Date;
  createdBy: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export type ApiKeyLookup = { viewer: Viewer } | { viewer: null; reason: ApiKeyRejection };

export class ApiKeyService {
  /** When each key's lastUsedAt was last written by this process, so a burst of requests does not read stale rows into many writes. */
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(
    viewer: Viewer,
    input: { name: string; scopes: string[]; expiresAt?: Date | null },
  ): Promise<{ key: string; apiKey: ApiKeyInfo }> {
    const name = input.name.trim().replace(/\s+/g, ' ');
    if (name.length < 1 || name.length > MAX_NAME_LENGTH)
      throw badInput('input.name', `A key name has 1 to ${MAX_NAME_LENGTH} characters.`);
    if (input.scopes.length === 0) throw badInput('input.scopes', 'Give the key at least one scope.');
    const unknown = input.scopes.filter((s) => !isApiScope(s));
    if (unknown.length)
      throw badInput('input.scopes', `Unknown scope(s): ${unknown.slice(0, 5).join(', ')}. The apiScopes query lists them all.`);
    const scopes = [...new Set(input.scopes)] as ApiScope[];
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= this.now().getTime()) throw badInput('input.expiresAt', 'The expiry must be in the future.');

    const secret = newApiKeySecret();
    const row: ApiKeyEntity = {
      id: newId(),
      accountId: viewer.accountId,
      name,
      scopes: scopes.join(' '),
      prefix: secret.prefix,
      secretHash: secret.hash,
      createdByPersonId: viewer.personId,
      createdAt: this.now(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(ApiKeyEntity, row);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        {
          action: 'api_key.created',
          targetId: row.id,
          details: { name, prefix: row.prefix, scopes, expiresAt: expiresAt?.toISOString() ?? null },
        },
      ]);
    });
    return { key: secret.key, apiKey: (await this.find(viewer.accountId, row.id))! };
  }

  /** Revokes a key of the viewer's account; revoking an already revoked key changes nothing. */
  async revoke(viewer: Viewer, id: string): Promise<ApiKeyInfo> {
    const existing = await this.find(viewer.accountId, id);
    if (!existing) throw notFound('API key', 'input.id');
    if (existing.revokedAt) return existing;
    const revokedAt = this.now();
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(ApiKeyEntity, { id, accountId: viewer.accountId }, { revokedAt });
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'api_key.revoked', targetId: id, details: { name: existing.name, prefix: existing.prefix } },
      ]);
    });
    return { ...existing, revokedAt };
  }

  /** The account's keys, newest first, revoked ones included (the list says they are). */
  async list(accountId: string, page: PageArgs | undefined): Promise<Connection<ApiKeyInfo>> {
    const request = toPageRequest(page, 'created');
    const base = () => this.dataSource.createQueryBuilder().from(ApiKeyEntity, 'k').where('k.account_id = :accountId', { accountId });
    const query = base().select(SELECT_COLUMNS).leftJoin('people', 'p', 'p.id = k.created_by_person_id');
    const [pageResult, total] = await Promise.all([
      readKeysetPage(query, { sortKey: 'k.created_at', idColumn: 'k.id', ascending: false, request, orderName: 'created', toNode: toInfo }),
      base().select('COUNT(*)', 'n').getRawOne<{ n: number | string }>(),
    ]);
    return { ...pageResult, totalCount: Number(total?.n ?? 0) };
  }

  async find(accountId: string, id: string): Promise<ApiKeyInfo | null> {
    const row = await this.dataSource
      .createQueryBuilder()
      .from(ApiKeyEntity, 'k')
      .select(SELECT_COLUMNS)
      .leftJoin('people', 'p', 'p.id = k.created_by_person_id')
      .where('k.account_id = :accountId AND k.id = :id', { accountId, id })
      .getRawOne<RawKey>();
    return row ? toInfo(row) : null;
  }

  /**
   * Resolves an `Authorization` header value to the viewer the key acts as. The row is found by the key's
   * prefix (an index), then the whole key's hash is compared in constant time. A key acts with its creator's
   * membership, so it never outlives their administrator role.
   */
  async authenticate(authorization: string): Promise<ApiKeyLookup> {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    const parsed = match && match[1]!.length <= 200 ? parseApiKey(match[1]!) : null;
    if (!match || !parsed) return { viewer: null, reason: 'API_KEY_MALFORMED' };
    const presented = match[1]!;
    // Runs on every API call: plain SQL, no query building.
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      'SELECT k.id AS id, k.account_id AS account_id, k.scopes AS scopes, k.secret_hash AS secret_hash, k.expires_at AS expires_at, ' +
        'k.revoked_at AS revoked_at, k.last_used_at AS last_used_at, k.created_by_person_id AS person_id, m.id AS membership_id, m.role AS role, m.status AS status ' +
        'FROM api_keys k LEFT JOIN memberships m ON m.person_id = k.created_by_person_id AND m.account_id = k.account_id WHERE k.prefix = ?',
      [parsed.prefix],
    );
    const row = rows[0];
    if (!row || !sameHash(presented, row.secret_hash as string)) return { viewer: null, reason: 'API_KEY_UNKNOWN' };
    if (row.revoked_at) return { viewer: null, reason: 'API_KEY_REVOKED' };
    const now = this.now();
    if (row.expires_at && fromSqlDateTime(row.expires_at as string | Date).getTime() <= now.getTime())
      return { viewer: null, reason: 'API_KEY_EXPIRED' };
    if (!row.membership_id || row.status !== UserStatus.ACTIVE || !isAdministrator(row.role as Viewer['role'])) {
      return { viewer: null, reason: 'API_KEY_CREATOR_INACTIVE' };
    }
    await this.touch(row.id as string, row.last_used_at ? fromSqlDateTime(row.last_used_at as string | Date) : null, now);
    return {
      viewer: {
        sessionId: null,
        personId: row.person_id as string,
        accountId: row.account_id as string,
        membershipId: row.membership_id as string,
        role: row.role as Viewer['role'],
        apiKey: { id: row.id as string, scopes: String(row.scopes).split(' ').filter(Boolean) },
      },
    };
  }

  private async touch(id: string, lastUsedAt: Date | null, now: Date): Promise<void> {
    const last = Math.max(lastUsedAt?.getTime() ?? 0, this.lastWritten.get(id) ?? 0);
    if (now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    this.lastWritten.set(id, now.getTime());
    if (this.lastWritten.size > 10_000) this.lastWritten.delete(this.lastWritten.keys().next().value!);
    await this.dataSource.getRepository(ApiKeyEntity).update({ id }, { lastUsedAt: now });
  }
}

const SELECT_COLUMNS = [
  'k.id AS id',
  'k.name AS name',
  'k.prefix AS prefix',
  'k.scopes AS scopes',
  'k.created_at AS created_at',
  'k.expires_at AS expires_at',
  'k.last_used_at AS last_used_at',
  'k.revoked_at AS revoked_at',
  'p.name AS creator_name',
  'p.email AS creator_email',
];

interface RawKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  created_at: string | Date;
  expires_at: string | Date | null;
  last_used_at: string | Date | null;
  revoked_at: string | Date | null;
  creator_name: string | null;
  creator_email: string | null;
}

function toInfo(row: RawKey): ApiKeyInfo {
  const date = (value: string | Date | null) => (value ? fromSqlDateTime(value) : null);
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.split(' ').filter(isApiScope),
    createdAt: fromSqlDateTime(row.created_at),
    createdBy: row.creator_name ?? row.creator_email ?? null,
    expiresAt: date(row.expires_at),
    lastUsedAt: date(row.last_used_at),
    revokedAt: date(row.revoked_at),
  };
}
