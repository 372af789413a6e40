import { computed } from 'vue';
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router';

/** Everything that decides which users the table shows, kept in the URL so a reload keeps it. */
export interface UsersQueryState {
  search: string;
  status: StatusFilter | '';
  role: RoleFilter | '';
  companyId: string;
  groupId: string;
  sort: SortField;
  direction: 'asc' | 'desc';
  pageSize: number;
  after: string;
  before: string;
  /** 1-based index of the first row on this page ("Showing 51–75"). */
  start: number;
}

export const STATUS_FILTERS = { invited: 'INVITED', staged: 'STAGED', active: 'ACTIVE', suspended: 'SUSPENDED' } as const;
/** Offered with the statuses: pending users in a particular plight, by the API's boolean filters. */
export const INVITATION_FILTERS = { 'email-failed': 'emailFailed', expired: 'invitationExpired', 'not-emailed': 'notEmailed' } as const;
export const EMAIL_FAILED_FILTER = 'email-failed';
export const EXPIRED_FILTER = 'expired';
type InvitationFilter = keyof typeof INVITATION_FILTERS;
export type StatusFilter = keyof typeof STATUS_FILTERS | InvitationFilter;
const isInvitationFilter = (status: string): status is InvitationFilter => status in INVITATION_FILTERS;
export const ROLE_FILTERS = { owner: 'OWNER', admin: 'ADMIN', member: 'MEMBER' } as const;
export type RoleFilter = keyof typeof ROLE_FILTERS;
export const SORT_FIELDS = {
  email: 'EMAIL',
  name: 'NAME',
  role: 'ROLE',
  status: 'STATUS',
  lastActive: 'LAST_ACTIVE_AT',
} as const;
export type SortField = keyof typeof SORT_FIELDS;

export const PAGE_SIZES = [25, 50, 100];
/** The API counts a search's matches up to this many (filter.search in the schema): 1,001 means "more than 1,000". */
export const SEARCH_COUNT_CAP = 1_000;
export const DEFAULT_SORT: SortField = 'email';
export const DEFAULT_PAGE_SIZE = 25;

function one(query: LocationQuery, key: string): string {
  const value = query[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function pick<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function parseUsersQuery(query: LocationQuery): UsersQueryState {
  const size = Number(one(query, 'size'));
  const start = Number(one(query, 'start'));
  const after = one(query, 'after');
  const before = after ? '' : one(query, 'before');
  return {
    search: one(query, 'q'),
    status: pick(
      one(query, 'status'),
      [...Object.keys(STATUS_FILTERS), ...Object.keys(INVITATION_FILTERS)] as StatusFilter[],
      '' as StatusFilter,
    ),
    role: pick(one(query, 'role'), Object.keys(ROLE_FILTERS) as RoleFilter[], '' as RoleFilter),
    companyId: one(query, 'company'),
    groupId: one(query, 'group'),
    sort: pick(one(query, 'sort'), Object.keys(SORT_FIELDS) as SortField[], DEFAULT_SORT),
    direction: one(query, 'dir') === 'desc' ? 'desc' : 'asc',
    pageSize: PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE,
    after,
    before,
    start: (after || before) && Number.isInteger(start) && start > 0 ? start : 1,
  };
}

/** The shortest URL query for a state: defaults are left out. */
export function serializeUsersQuery(state: UsersQueryState): LocationQueryRaw {
  const query: Record<string, string> = {};
  if (state.search) query.q = state.search;
  if (state.status) query.status = state.status;
  if (state.role) query.role = state.role;
  if (state.companyId) query.company = state.companyId;
  if (state.groupId) query.group = state.groupId;
  if (state.sort !== DEFAULT_SORT || state.direction !== 'asc') {
    query.sort = state.sort;
    query.dir = state.direction;
  }
  if (state.pageSize !== DEFAULT_PAGE_SIZE) query.size = String(state.pageSize);
  if (state.after) query.after = state.after;
  else if (state.before) query.before = state.before;
  if ((state.after || state.before) && state.start > 1) query.start = String(state.start);
  return query;
}

/** Variables for the UsersPage query (enum values as the API spells them). */
export function usersQueryVariables(state: UsersQueryState) {
  const filter: {
    search?: string;
    statuses?: Array<(typeof STATUS_FILTERS)[keyof typeof STATUS_FILTERS]>;
    emailFailed?: boolean;
    invitationExpired?: boolean;
    notEmailed?: boolean;
    roles?: Array<(typeof ROLE_FILTERS)[RoleFilter]>;
    companyId?: string;
    groupId?: string;
  } = {};
  const search = state.search.trim();
  if (search) filter.search = search;
  if (state.status && isInvitationFilter(state.status)) filter[INVITATION_FILTERS[state.status]] = true;
  else if (state.status) filter.statuses = [STATUS_FILTERS[state.status]];
  if (state.role) filter.roles = [ROLE_FILTERS[state.role]];
  if (state.companyId) filter.companyId = state.companyId;
  if (state.groupId) filter.groupId = state.groupId;
  const page = state.before
    ? { last: state.pageSize, before: state.before }
    : state.after
      ? { first: state.pageSize, after: state.after }
      : { first: state.pageSize };
  return {
    page,
    filter,
    orderBy: {
      field: SORT_FIELDS[state.sort],
      direction: state.direction === 'asc' ? ('ASC' as const) : ('DESC' as const),
    },
  };
}

/** A search comes best match first (emails, then names, then domains): the column sort does not apply to it. */
export function isSearching(state: UsersQueryState): boolean {
  return state.search.trim() !== '';
}

export function hasActiveFilters(state: UsersQueryState): boolean {
  return Boolean(state.search.trim() || state.status || state.role || state.companyId || state.groupId);
}

const FIRST_PAGE = { after: '', before: '', start: 1 };

export function useUsersQueryState() {
  const route = useRoute();
  const router = useRouter();
  const state = computed(() => parseUsersQuery(route.query));

  function go(next: UsersQueryState, replace = false) {
    const location = { query: serializeUsersQuery(next) };
    return replace ? router.replace(location) : router.push(location);
  }

  return {
    state,
    /** Filters, search, sort or page size changed: back to the first page. */
    update(patch: Partial<UsersQueryState>, options: { replace?: boolean } = {}) {
      return go({ ...state.value, ...FIRST_PAGE, ...patch }, options.replace);
    },
    clearFilters() {
      return go({
        ...state.value,
        ...FIRST_PAGE,
        search: '',
        status: '',
        role: '',
        companyId: '',
        groupId: '',
      });
    },
    nextPage(endCursor: string, rowsOnPage: number) {
      return go({ ...state.value, after: endCursor, before: '', start: state.value.start + rowsOnPage });
    },
    previousPage(startCursor: string) {
      const start = Math.max(1, state.value.start - state.value.pageSize);
      return go({ ...state.value, after: '', before: startCursor, start });
    },
  };
}
