import { DataSource } from 'typeorm';
import { readKeysetPageRaw, type RawKeysetQuery } from '../core/lists/keyset.js';
import type { EventBus } from '../core/events.js';
import { UserCounts, type UserCountOptions } from './user-counts.js';
import { countSeatsUsed } from './seats.js';
import { readEnumOrderedPage } from './users-enum-order.js';
import { countSearchMatches, readSearchPage, SEARCH_COUNT_CAP, SEARCH_ORDER, searchPattern } from './users-search.js';
import { companiesById, groupsByMembershipId } from './user-relations.js';
import { badInput, notFound } from '../core/errors.js';
import { fromSqlDateTime, toSqlDateTime } from '../core/db/columns.js';
import { toPageRequest, type Connection, type PageArgs } from '../core/lists/connection.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { isAdministrator, Role, UserSource, UserStatus } from './roles.js';
import { SortDirection, User, UserOrderField, type UserFilter, type UserOrder } from './user.types.js';

const MAX_SEARCH_LENGTH = 200;

/**
 * Each order is read through an index of memberships (membership.entity.ts), never by sorting the account: plain
 * columns (NULLs first ascending, as both dialects sort them), walked by keyset with m.id breaking ties. The name is
 * the account's own (memberships.name), which MariaDB's _ci collation compares case-insensitively; SQLite compares
 * bytes, so it sorts LOWER(name) (no index; SQLite is the embedded database of small installations).
 */
const SORT_KEYS: Record<'EMAIL' | 'NAME' | 'LAST_ACTIVE_AT' | 'CREATED_AT', { mysql: string; sqlite: string; nullable: boolean }> = {
  EMAIL: { mysql: 'm.email', sqlite: 'm.email', nullable: false },
  NAME: { mysql: 'm.name', sqlite: 'LOWER(m.name)', nullable: true },
  LAST_ACTIVE_AT: { mysql: 'm.last_active_at', sqlite: 'm.last_active_at', nullable: true },
  CREATED_AT: { mysql: 'm.created_at', sqlite: 'm.created_at', nullable: false },
};

/** Role and status orders are not alphabetical: read value by value (users-enum-order.ts), then by email. */
const ENUM_ORDERS: Partial<Record<UserOrderField, { column: string; values: readonly string[]; filter: keyof UserFilter }>> = {
  ROLE: { column: 'm.role', values: [Role.OWNER, Role.ADMIN, Role.MEMBER], filter: 'roles' },
  STATUS: { column: 'm.status', values: [UserStatus.INVITED, UserStatus.ACTIVE, UserStatus.SUSPENDED], filter: 'statuses' },
};

const USERS_FROM = 'memberships m LEFT JOIN people p ON p.id = m.person_id';

/** The index that reads each order (membership.entity.ts), named to MariaDB when its own guess would scan the account. */
const ORDER_INDEX: Record<UserOrderField, string> = {
  EMAIL: 'ix_memberships_account_email_id',
  NAME: 'ix_memberships_account_name_id',
  LAST_ACTIVE_AT: 'ix_memberships_account_active_id',
  CREATED_AT: 'ix_memberships_account_created_id',
  ROLE: 'ix_memberships_account_role_email',
  STATUS: 'ix_memberships_account_status_email',
};

/**
 * A group holding at least one user in GROUP_WALK_SHARE of the account is read by walking the page's order and keeping
 * its members (a page reads at most 50 × GROUP_WALK_SHARE index entries, far fewer for common groups); a smaller one
 * from its member list, its members sorted (fewer than one user in GROUP_WALK_SHARE of the account).
 */
const GROUP_WALK_SHARE = 100;

const USER_COLUMNS = [
  'm.id AS id',
  'm.email AS email',
  'm.name AS member_name',
  'm.job_title AS job_title',
  'p.name AS person_name',
  'm.role AS role',
  'm.status AS status',
  'm.source AS source',
  'm.external_id AS external_id',
  'm.company_id AS company_id',
  'm.last_active_at AS last_active_at',
  'm.created_at AS created_at',
];

interface UserRow {
  id: string;
  email: string;
  member_name: string | null;
  person_name: string | null;
  job_title: string | null;
  role: Role;
  status: UserStatus;
  source: UserSource;
  external_id: string | null;
  company_id: string | null;
  last_active_at: string | Date | null;
  created_at: string | Date;
}

/** Reads users (memberships) of one account. Hot list path: raw rows, no entity hydration. */
export class UsersService {
  private readonly counts: UserCounts;
  /** A search's capped total: "more than 1,000" is reused (until the account changes), smaller ones are read again. */
  private readonly searchCounts: UserCounts;
  private readonly dialect: 'mysql' | 'sqlite';

  constructor(
    private readonly dataSource: DataSource,
    events?: EventBus,
    countOptions?: UserCountOptions,
  ) {
    this.counts = new UserCounts(events, countOptions);
    this.searchCounts = new UserCounts(events, { ...countOptions, cacheFrom: SEARCH_COUNT_CAP + 1 });
    this.dialect = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb' ? 'mysql' : 'sqlite';
  }

  /** Seats used by the account (seats.ts), counted as the Users page's totals are: a large count is reused until the account changes. */
  seatsUsed(accountId: string): Promise<number> {
    return this.counts.count(accountId, 'seats', () => countSeatsUsed(this.dataSource.manager, accountId));
  }

  async list(
    accountId: string,
    page: PageArgs | undefined,
    filter: UserFilter | undefined,
    order: UserOrder | undefined,
  ): Promise<Connection<User>> {
    const field = order?.field ?? UserOrderField.EMAIL;
    const direction = order?.direction ?? SortDirection.ASC;
    // A search has its own order, best match first (users-search.ts): `orderBy` does not apply to it.
    const search = searchPattern(filter?.search);
    const orderName = search ? SEARCH_ORDER : `${field}:${direction}`;
    const request = toPageRequest(page, orderName);
    await this.validateFilter(accountId, filter);

    const where = this.conditions(accountId, filter);
    const ascending = direction === SortDirection.ASC;
    const enumOrder = ENUM_ORDERS[field];
    const sortKey = enumOrder ? null : SORT_KEYS[field as keyof typeof SORT_KEYS];
    const select = USER_COLUMNS.join(', ');
    const hint = !search && this.dialect === 'mysql' ? await this.indexHint(accountId, field, filter) : null;
    const from = hint ? USERS_FROM.replace('memberships m', `memberships m FORCE INDEX (${hint})`) : USERS_FROM;
    const query: RawKeysetQuery = { select, from, where: where.sql, params: where.params };
    const [result, totalCount] = await Promise.all([
      search
        ? readSearchPage<UserRow, User>(this.dataSource, this.dialect, query, search, request, toUser, this.emailIndex(filter))
        : enumOrder
          ? readEnumOrderedPage<UserRow, User>(
              this.dataSource,
              query,
              { ...enumOrder, only: filter?.[enumOrder.filter] as string[] | undefined, ascending, request, orderName, toNode: toUser },
              (row) => (field === UserOrderField.ROLE ? row.role : row.status),
            )
          : readKeysetPageRaw<UserRow, User>(this.dataSource, query, {
              sortKey: sortKey![this.dialect],
              idColumn: 'm.id',
              nullable: sortKey!.nullable,
              ascending,
              request,
              orderName,
              toNode: toUser,
            }),
      search
        ? this.searchCounts.count(accountId, JSON.stringify([where.sql, where.params, search]), () =>
            countSearchMatches(this.dataSource, this.dialect, where, search, this.emailIndex(filter)),
          )
        : this.counts.count(accountId, JSON.stringify([where.sql, where.params]), () => this.count(where)),
    ]);
    await this.attachRelations(
      accountId,
      result.edges.map((edge) => edge.node),
    );
    return { ...result, totalCount };
  }

  async findById(accountId: string, id: string): Promise<User> {
    const [user] = await this.findManyById(accountId, [id]);
    if (!user) throw notFound('User', 'id');
    return user;
  }

  async findManyById(accountId: string, ids: string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows: UserRow[] = await this.dataSource.query(
      `SELECT ${USER_COLUMNS.join(', ')} FROM ${USERS_FROM} WHERE m.account_id = ? AND m.id IN (${ids.map(() => '?').join(', ')})`,
      [accountId, ...ids],
    );
    return this.attachRelations(accountId, rows.map(toUser));
  }

  /**
   * Company and groups of a whole page in two queries, set as plain values: resolving them per row (even
   * batched) costs a promise per field per row, which on a 50-row page is most of the execution time.
   */
  private async attachRelations(accountId: string, users: User[]): Promise<User[]> {
    const companyIds = [...new Set(users.map((u) => u.companyId).filter((id): id is string => id !== null))];
    const [companies, groups] = await Promise.all([
      companiesById(this.dataSource, accountId, companyIds),
      groupsByMembershipId(
        this.dataSource,
        accountId,
        users.map((u) => u.id),
      ),
    ]);
    for (const user of users) {
      user.company = user.companyId ? (companies.get(user.companyId) ?? null) : null;
      user.groups = groups.get(user.id) ?? [];
    }
    return users;
  }

  private accountSize(accountId: string): Promise<number> {
    return this.counts.count(accountId, 'account-size', async () => {
      const rows: Array<{ n: number | string }> = await this.dataSource.query(
        'SELECT COUNT(*) AS n FROM memberships WHERE account_id = ?',
        [accountId],
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  private groupSize(accountId: string, groupId: string): Promise<number> {
    return this.counts.count(accountId, `group-size:${groupId}`, async () => {
      const rows: Array<{ n: number | string }> = await this.dataSource.query(
        'SELECT COUNT(*) AS n FROM group_members WHERE group_id = ?',
        [groupId],
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  /** Counts the list's rows from memberships alone (a search counts its own: users-search.ts). */
  private async count(where: { sql: string[]; params: unknown[] }): Promise<number> {
    const rows: Array<{ n: number | string }> = await this.dataSource.query(
      `SELECT COUNT(*) AS n FROM memberships m WHERE ${where.sql.join(' AND ')}`,
      where.params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * The index MariaDB must walk when its own guess could read the whole account: it picks the order's index for a
   * filter in email order whenever the LIMIT makes that look cheap (it reads on, row by row, until 50 match), and the
   * email index for one role or status. A filter's own index in email order; the order's index for role and status
   * orders (read value by value) and for large groups (see GROUP_WALK_SHARE).
   */
  private async indexHint(accountId: string, field: UserOrderField, filter: UserFilter | undefined): Promise<string | null> {
    if (ENUM_ORDERS[field]) return ORDER_INDEX[field];
    if (field === UserOrderField.EMAIL) {
      if (filter?.companyId) return 'ix_memberships_account_company_email';
      if (filter?.roles?.length === 1) return 'ix_memberships_account_role_email';
      if (filter?.statuses?.length === 1 || filter?.emailFailed || filter?.invitationExpired || filter?.notEmailed)
        return 'ix_memberships_account_status_email';
    }
    if (filter?.groupId) {
      const [members, users] = await Promise.all([this.groupSize(accountId, filter.groupId), this.accountSize(accountId)]);
      if (members * GROUP_WALK_SHARE >= users) return ORDER_INDEX[field];
    }
    return null;
  }

  /** The index a search's email matches are read from: the filter's own (it ends in the email) or the email index. */
  private emailIndex(filter: UserFilter | undefined): string {
    if (filter?.companyId) return 'ix_memberships_account_company_email';
    if (filter?.roles?.length === 1) return 'ix_memberships_account_role_email';
    if (filter?.statuses?.length === 1) return 'ix_memberships_account_status_email';
    return ORDER_INDEX.EMAIL;
  }

  /** The filter as SQL conditions with `?` parameters: the Users page runs plain SQL (it is the hottest path). */
  private conditions(accountId: string, filter: UserFilter | undefined): { sql: string[]; params: unknown[] } {
    const sql = ['m.account_id = ?'];
    const params: unknown[] = [accountId];
    if (filter?.statuses?.length) {
      sql.push(`m.status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter?.roles?.length) {
      sql.push(`m.role IN (${filter.roles.map(() => '?').join(', ')})`);
      params.push(...filter.roles);
    }
    if (filter?.companyId) {
      sql.push('m.company_id = ?');
      params.push(filter.companyId);
    }
    if (filter?.groupId) {
      sql.push('EXISTS (SELECT 1 FROM group_members gm WHERE gm.membership_id = m.id AND gm.group_id = ?)');
      params.push(filter.groupId);
    }
    if (filter?.emailFailed) {
      sql.push(
        "(m.status = 'INVITED' AND EXISTS (SELECT 1 FROM invitations i WHERE i.membership_id = m.id AND i.state = 'PENDING' AND i.delivery_status = 'FAILED'))",
      );
    }
    if (filter?.invitationExpired) {
      sql.push(
        "(m.status = 'INVITED' AND EXISTS (SELECT 1 FROM invitations i WHERE i.membership_id = m.id AND i.state = 'PENDING' AND i.expires_at <= ?))",
      );
      params.push(toSqlDateTime(new Date()));
    }
    if (filter?.notEmailed) {
      sql.push(
        "(m.status = 'INVITED' AND EXISTS (SELECT 1 FROM invitations i WHERE i.membership_id = m.id AND i.state = 'PENDING' AND i.delivery_status = 'NOT_SENT'))",
      );
    }
    return { sql, params };
  }

  /** A filter naming another account's company or group is refused, not answered with an empty page. */
  private async validateFilter(accountId: string, filter: UserFilter | undefined): Promise<void> {
    if (filter?.search && filter.search.length > MAX_SEARCH_LENGTH) {
      throw badInput('filter.search', `Search text can be at most ${MAX_SEARCH_LENGTH} characters.`);
    }
    if (filter?.companyId && !(await this.dataSource.getRepository(CompanyEntity).existsBy({ accountId, id: filter.companyId }))) {
      throw notFound('Company', 'filter.companyId');
    }
    if (filter?.groupId && !(await this.dataSource.getRepository(GroupEntity).existsBy({ accountId, id: filter.groupId }))) {
      throw notFound('Group', 'filter.groupId');
    }
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    // Each account shows the name it knows them by (its admin's, import's, sync's, or the one typed on accepting its
    // invitation); the person's own name only fills a gap, so one account never renames someone in another.
    name: row.member_name ?? row.person_name,
    jobTitle: row.job_title,
    role: row.role,
    status: row.status,
    source: row.source,
    externalId: row.external_id,
    companyId: row.company_id,
    lastActiveAt: row.last_active_at ? fromSqlDateTime(row.last_active_at) : null,
    createdAt: fromSqlDateTime(row.created_at),
    isAdministrator: isAdministrator(row.role),
    invitationPending: row.status === UserStatus.INVITED,
    company: null,
    groups: [],
  };
}
