import type { DataSource, EntityManager, EntityTarget } from 'typeorm';
import { badInput, notFound } from '../errors.js';
import type { Viewer } from '../viewer.js';
import { inTransaction } from '../db/transaction.js';
import { newId } from '../db/columns.js';

/** Writes the audit entries of a change inside its transaction (the audit feature's recordAudit, given by the roof). */
export type AuditChange = (
  manager: EntityManager,
  viewer: Viewer,
  entries: Array<{ action: string; targetId: string; details: Record<string, unknown> }>,
) => Promise<void>;

interface NamedRow {
  id: string;
  accountId: string;
  name: string;
}

/**
 * Create, rename and delete for account-scoped things known by a unique name (companies, groups): names
 * are trimmed, 1 to 200 characters, unique per account whatever their letter case; every change is audited.
 */
export class NamedCollection<E extends NamedRow> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntityTarget<E>,
    /** Singular noun for messages and audit actions: "company", "group". */
    private readonly noun: string,
    private readonly audit: AuditChange,
    private readonly extra: (input: Record<string, unknown>) => Partial<E> = () => ({}),
  ) {}

  async create(viewer: Viewer, rawName: string, input: Record<string, unknown> = {}): Promise<E> {
    const name = await this.validName(viewer.accountId, rawName, null);
    const row = {
      id: newId(),
      accountId: viewer.accountId,
      name,
      externalId: null,
      createdAt: new Date(),
      ...this.extra(input),
    } as unknown as E;
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(this.entity, row as never);
      await this.audit(manager, viewer, [{ action: `${this.noun}.created`, targetId: row.id, details: { name } }]);
    });
    return row;
  }

  async update(viewer: Viewer, id: string, rawName: string | null | undefined, input: Record<string, unknown> = {}): Promise<E> {
    const existing = await this.find(viewer.accountId, id);
    const changes: Partial<E> = { ...this.extra(input) };
    if (rawName != null) changes.name = await this.validName(viewer.accountId, rawName, id);
    await inTransaction(this.dataSource, async (manager) => {
      if (Object.keys(changes).length) await manager.update(this.entity, { id, accountId: viewer.accountId } as never, changes as never);
      await this.audit(manager, viewer, [{ action: `${this.noun}.updated`, targetId: id, details: { from: existing.name, ...changes } }]);
    });
    return { ...existing, ...changes };
  }

  /** Deletes it; its users stay, without it (foreign keys set null or cascade the memberships of it). */
  async remove(viewer: Viewer, id: string): Promise<E> {
    const existing = await this.find(viewer.accountId, id);
    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(this.entity, { id, accountId: viewer.accountId } as never);
      await this.audit(manager, viewer, [{ action: `${this.noun}.deleted`, targetId: id, details: { name: existing.name } }]);
    });
    return existing;
  }

  async find(accountId: string, id: string): Promise<E> {
    const row = await this.dataSource.getRepository(this.entity).findOneBy({ id, accountId } as never);
    if (!row) throw notFound(this.noun[0]!.toUpperCase() + this.noun.slice(1), 'input.id');
    return row;
  }

  private async validName(accountId: string, rawName: string, exceptId: string | null): Promise<string> {
    const name = rawName.trim().replace(/\s+/g, ' ');
    if (name.length < 1 || name.length > 200) throw badInput('input.name', `A ${this.noun} name has 1 to 200 characters.`);
    const clash: Array<{ id: string }> = await this.dataSource
      .getRepository(this.entity)
      .createQueryBuilder('t')
      .select('t.id', 'id')
      .where('t.account_id = :accountId AND LOWER(t.name) = :name', { accountId, name: name.toLowerCase() })
      .getRawMany();
    if (clash.some((row) => row.id !== exceptId)) throw badInput('input.name', `A ${this.noun} named "${name}" already exists.`);
    return name;
  }
}
