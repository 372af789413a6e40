import { DataSource } from 'typeorm';
import { toPageRequest, type Connection, type PageArgs } from '../core/lists/connection.js';
import { fromSqlDateTime } from '../core/db/columns.js';
import { readKeysetPage } from '../core/lists/keyset.js';
import type { DevMailboxEmail } from '../invitations/index.js';
import { OutboxEmailEntity } from './outbox-email.entity.js';

/** The emails the dev mailbox transport "sent", read back from the outbox for the dev-only page. */
export class DevMailbox {
  constructor(private readonly dataSource: DataSource) {}

  async list(accountId: string, page: PageArgs | undefined): Promise<Connection<DevMailboxEmail>> {
    const request = toPageRequest(page, 'CREATED:DESC');
    const base = () =>
      this.dataSource
        .getRepository(OutboxEmailEntity)
        .createQueryBuilder('o')
        .where('o.account_id = :accountId', { accountId })
        .andWhere("o.transport = 'dev-mailbox'");
    const [result, count] = await Promise.all([
      readKeysetPage<Record<string, any> & { id: string }, DevMailboxEmail, OutboxEmailEntity>(
        base().select([
          'o.id AS id',
          'o.to_address AS to_address',
          'o.subject AS subject',
          'o.html AS html',
          'o.text_body AS text_body',
          'o.action_url AS action_url',
          'o.created_at AS created_at',
        ]),
        {
          sortKey: 'o.created_at',
          idColumn: 'o.id',
          ascending: false,
          request,
          orderName: 'CREATED:DESC',
          toNode: (row) => ({
            id: row.id,
            to: row.to_address,
            subject: row.subject,
            html: row.html,
            text: row.text_body,
            link: row.action_url,
            createdAt: fromSqlDateTime(row.created_at),
          }),
        },
      ),
      base().select('COUNT(*) AS n').getRawOne(),
    ]);
    return { ...result, totalCount: Number(count?.n ?? 0) };
  }
}
