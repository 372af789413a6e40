import { describe, expect, it } from 'vitest';
import { parseUsersQuery, serializeUsersQuery, usersQueryVariables } from './users-query-state';

describe('users table state in the URL', () => {
  it('leaves defaults out of the URL and reads them back', () => {
    const state = parseUsersQuery({});
    expect(serializeUsersQuery(state)).toEqual({});
    expect(usersQueryVariables(state)).toEqual({
      page: { first: 25 },
      filter: {},
      orderBy: { field: 'EMAIL', direction: 'ASC' },
    });
  });

  it('round-trips filters, sort, page size and the cursor', () => {
    const query = {
      q: 'ann',
      status: 'invited',
      role: 'member',
      company: 'c1',
      group: 'g1',
      sort: 'status',
      dir: 'desc',
      size: '50',
      after: 'abc',
      start: '51',
    };
    const state = parseUsersQuery(query);
    expect(serializeUsersQuery(state)).toEqual(query);
    expect(usersQueryVariables(state)).toEqual({
      page: { first: 50, after: 'abc' },
      filter: { search: 'ann', statuses: ['INVITED'], roles: ['MEMBER'], companyId: 'c1', groupId: 'g1' },
      orderBy: { field: 'STATUS', direction: 'DESC' },
    });
  });

  it('ignores values a hand-edited URL may carry', () => {
    const state = parseUsersQuery({ status: 'deleted', sort: 'password', size: '1000', start: '-4' });
    expect(serializeUsersQuery(state)).toEqual({});
  });
});
