import { Brackets, DataSource, SelectQueryBuilder } from 'typeorm';
import { readKeysetPage } from '../common/keyset.js';
import { badInput, notFound } from '../app/errors.js';
import { fromSqlDateTime } from '../common/columns.js';
import { toPageRequest, type Connection, type PageArgs } from '../common/connection.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { MembershipEntity } from './membership.entity.js';
import { PersonEntity } from './person.entity.js';
import { isAdministrator, Role, UserSource, UserStatus } from './roles.js';
import { SortDirection, User, UserOrderField, type UserFilter, type UserOrder } from './user.types.js';

const MAX_SEARCH_LENGTH = 200;

/** SQL for each sort key; every one is total when paired with m.id, which keyset pagination needs. */
const SORT_KEYS: Record<UserOrderField, string> = {
  EMAIL: 'm.email',
  NAME: "LOWER(COALESCE(p.name, m.name, ''))",
  ROLE: "(CASE m.role WHEN 'OWNER' THEN 0 WHEN 'ADMIN' THEN 1 ELSE 2 END)",
  STATUS: "(CASE m.status WHEN 'INVITED' THEN 0 WHEN 'ACTIVE' THEN 1 ELSE 2 END)",
  LAST_ACTIVE_AT: "COALESCE(m.last_active_at, '1970-01-01 00:00:00.000')",
  CREATED_AT: 'm.created_at',
};

const USER_COLUMNS = [
  'm.id AS id', 'm.email AS email', 'm.name AS member_name', 'p.name AS person_name', 'm.role AS role', 'm.status AS status',
  'm.source AS source', 'm.external_id AS external_id', 'm.company_id AS company_id', 'm.last_active_at AS last_active_at',
  'm.created_at AS created_at',
];

interface UserRow {
  id: string;
  email: string;
  member_name: string | null;
  person_name: string | null;
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
  constructor(private readonly dataSource: DataSource) {}

  async list(accountId: string, page: PageArgs | undefined, filter: UserFilter | undefined, order: UserOrder | undefined): Promise<Connection<User>> {
    const field = order?.field ?? UserOrderField.EMAIL;
    const direction = order?.direction ?? SortDirection.ASC;
    const orderName = `${field}:${direction}`;
    const request = toPageRequest(page, orderName);
    await this.validateFilter(accountId, filter);

    const query = this.baseQuery(accountId, filter, true).select(USER_COLUMNS);
    const [result, totalCount] = await Promise.all([
      readKeysetPage<UserRow, User, MembershipEntity>(query, {
        sortKey: SORT_KEYS[field],
        idColumn: 'm.id',
        ascending: direction === SortDirection.ASC,
        request,
        orderName,
        toNode: toUser,
      }),
      this.count(accountId, filter),
    ]);
    return { ...result, totalCount };
  }

  async findById(accountId: string, id: string): Promise<User> {
    const row = (await this.baseQuery(accountId, undefined, true)
      .select(USER_COLUMNS)
      .andWhere('m.id = :id', { id })
      .getRawOne()) as UserRow | undefined;
    if (!row) throw notFound('User', 'id');
    return toUser(row);
  }

  async findManyById(accountId: string, ids: string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = (await this.baseQuery(accountId, undefined, true).select(USER_COLUMNS).andWhere('m.id IN (:...ids)', { ids }).getRawMany()) as UserRow[];
    return rows.map(toUser);
  }

  private async count(accountId: string, filter: UserFilter | undefined): Promise<number> {
    const needsPeople = Boolean(filter?.search?.trim());
    const row = await this.baseQuery(accountId, filter, needsPeople).select('COUNT(*) AS n').getRawOne();
    return Number(row?.n ?? 0);
  }

  private baseQuery(accountId: string, filter: UserFilter | undefined, joinPeople: boolean): SelectQueryBuilder<MembershipEntity> {
    const query = this.dataSource.getRepository(MembershipEntity).createQueryBuilder('m').where('m.account_id = :accountId', { accountId });
    if (joinPeople) query.leftJoin(PersonEntity, 'p', 'p.id = m.person_id');
    const search = filter?.search?.trim();
    if (search) {
      const pattern = `%${search.toLowerCase().replace(/[!%_]/g, (c) => '!' + c)}%`;
      query.andWhere(
        new Brackets((qb) =>
          qb
            .where("m.email LIKE :pattern ESCAPE '!'")
            .orWhere("LOWER(p.name) LIKE :pattern ESCAPE '!'")
            .orWhere("LOWER(m.name) LIKE :pattern ESCAPE '!'"),
        ),
        { pattern },
      );
    }
    if (filter?.statuses?.length) query.andWhere('m.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter?.roles?.length) query.andWhere('m.role IN (:...roles)', { roles: filter.roles });
    if (filter?.companyId) query.andWhere('m.company_id = :companyId', { companyId: filter.companyId });
    if (filter?.groupId) {
      query.andWhere(
        (qb) =>
          'EXISTS ' +
          qb
            .subQuery()
            .select('1')
            .from(GroupMemberEntity, 'gm')
            .where('gm.membership_id = m.id')
            .andWhere('gm.group_id = :groupId')
            .getQuery(),
        { groupId: filter.groupId },
      );
    }
    return query;
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
    name: row.person_name ?? row.member_name,
    role: row.role,
    status: row.status,
    source: row.source,
    externalId: row.external_id,
    companyId: row.company_id,
    lastActiveAt: row.last_active_at ? fromSqlDateTime(row.last_active_at) : null,
    createdAt: fromSqlDateTime(row.created_at),
    isAdministrator: isAdministrator(row.role),
    invitationPending: row.status === UserStatus.INVITED,
  };
}
