import type { AuditActorType, AuditEventFilter } from '@roster/schema/generated';
import type { LocationQuery, LocationQueryRaw } from 'vue-router';

/** The audit log's filters as the page keeps them in the address (so a reload or a shared link keeps them). */
export interface AuditFilterState {
  action: string;
  actorType: AuditActorType | '';
  search: string;
  /** First day shown, yyyy-mm-dd, in the admin's time zone; '' for no lower bound. */
  from: string;
  /** Last day shown (inclusive), yyyy-mm-dd; '' for no upper bound. */
  to: string;
}

export const ACTOR_TYPES: Record<AuditActorType, string> = {
  PERSON: 'Person',
  API_KEY: 'API key',
  SCIM: 'SCIM',
  INTEGRATION: 'Integration',
  SYSTEM: 'Roster',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function one(query: LocationQuery, key: string): string {
  const value = query[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

export function parseAuditQuery(query: LocationQuery): AuditFilterState {
  const actor = one(query, 'actor');
  const day = (key: string) => (DAY.test(one(query, key)) ? one(query, key) : '');
  return {
    action: one(query, 'action').trim(),
    actorType: Object.hasOwn(ACTOR_TYPES, actor) ? (actor as AuditActorType) : '',
    search: one(query, 'q'),
    from: day('from'),
    to: day('to'),
  };
}

/** The shortest address query for the filters: empty ones are left out. */
export function serializeAuditQuery(state: AuditFilterState): LocationQueryRaw {
  const query: Record<string, string> = {};
  if (state.action.trim()) query.action = state.action.trim();
  if (state.actorType) query.actor = state.actorType;
  if (state.search.trim()) query.q = state.search.trim();
  if (state.from) query.from = state.from;
  if (state.to) query.to = state.to;
  return query;
}

/** Midnight at the start of a yyyy-mm-dd day in the local time zone, `days` later. */
function startOfDay(day: string, days = 0): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + days);
}

/** The API's filter: the `to` day is included, so the bound is the next midnight (the API's `to` is exclusive). */
export function toAuditEventFilter(state: AuditFilterState): AuditEventFilter {
  const filter: AuditEventFilter = {};
  if (state.action.trim()) filter.actions = [state.action.trim()];
  if (state.actorType) filter.actorTypes = [state.actorType];
  if (state.search.trim()) filter.search = state.search.trim();
  if (state.from) filter.from = startOfDay(state.from).toISOString();
  if (state.to) filter.to = startOfDay(state.to, 1).toISOString();
  return filter;
}

/** `/api/audit.csv` with the same filters as the query (the route reads lists comma-separated). */
export function auditCsvUrl(filter: AuditEventFilter): string {
  const params = new URLSearchParams();
  if (filter.actions?.length) params.set('actions', filter.actions.join(','));
  if (filter.actorTypes?.length) params.set('actorTypes', filter.actorTypes.join(','));
  if (filter.search) params.set('search', filter.search);
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  const query = params.toString();
  return query ? `/api/audit.csv?${query}` : '/api/audit.csv';
}

/** `{"from":"MEMBER","to":"ADMIN"}` → `from: MEMBER · to: ADMIN`, for the table; the raw JSON stays in the title. */
export function summarizeDetails(details: string | null): string {
  if (!details) return '';
  try {
    const value = JSON.parse(details) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return details;
    return Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => `${key}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' · ');
  } catch {
    return details;
  }
}
