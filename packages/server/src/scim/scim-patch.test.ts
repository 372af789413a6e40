import { describe, expect, it } from 'vitest';
import { applyPatch, readPatchRequest } from './scim-patch.js';
import { parseScimFilter } from './scim-filter.js';

const patch = (operations: unknown[]) =>
  readPatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });

describe('SCIM PATCH', () => {
  const user = {
    userName: 'ada@x.test',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ type: 'work', value: 'ada@x.test', primary: true }],
    active: true,
  };

  it('matches ops case-insensitively, as Entra ID sends them', () => {
    expect(patch([{ op: 'Replace', path: 'active', value: false }])[0]!.op).toBe('replace');
    expect(() => patch([{ op: 'Delete', path: 'active' }])).toThrow(/add, replace or remove/);
  });

  it('applies dotted keys inside a path-less value', () => {
    const result = applyPatch(
      user,
      patch([{ op: 'Add', value: { 'name.givenName': 'Augusta', 'name.middleName': 'Ada', title: 'Countess' } }]),
    );
    expect(result).toMatchObject({ name: { givenName: 'Augusta', middleName: 'Ada', familyName: 'Lovelace' }, title: 'Countess' });
  });

  it('replaces the value of a filtered email, and creates the work email when there is none', () => {
    expect(applyPatch(user, patch([{ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada.king@x.test' }])).emails).toEqual([
      { type: 'work', value: 'ada.king@x.test', primary: true },
    ]);
    expect(
      applyPatch({ ...user, emails: [] }, patch([{ op: 'replace', path: 'emails[type eq "work"].value', value: 'w@x.test' }])).emails,
    ).toEqual([{ type: 'work', value: 'w@x.test' }]);
  });

  it('removes members by filter or by value, and all of them without either', () => {
    const group = { members: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] };
    expect(applyPatch(group, patch([{ op: 'remove', path: 'members[value eq "b"]' }])).members).toEqual([{ value: 'a' }, { value: 'c' }]);
    expect(applyPatch(group, patch([{ op: 'Remove', path: 'members', value: [{ value: 'a' }, { Value: 'c' }] }])).members).toEqual([
      { value: 'b' },
    ]);
    expect(applyPatch(group, patch([{ op: 'remove', path: 'members' }])).members).toBeUndefined();
  });

  it('matches attribute names case-insensitively and leaves the input untouched', () => {
    const result = applyPatch(
      user,
      patch([
        { op: 'replace', path: 'UserName', value: 'ada2@x.test' },
        { op: 'replace', path: 'Name.FamilyName', value: 'King' },
      ]),
    );
    expect(result).toMatchObject({ userName: 'ada2@x.test', name: { familyName: 'King' } });
    expect(user.userName).toBe('ada@x.test');
  });

  it('adds to the enterprise extension by its URN path', () => {
    const result = applyPatch(
      user,
      patch([{ op: 'add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Sales' }]),
    );
    expect(result['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({ department: 'Sales' });
  });
});

describe('SCIM filters', () => {
  it('reads eq comparisons joined by and, including the filtered email path', () => {
    expect(parseScimFilter('User', 'userName eq "a@x.test" and externalId eq "42"')).toEqual([
      { attribute: 'username', value: 'a@x.test' },
      { attribute: 'externalid', value: '42' },
    ]);
    expect(parseScimFilter('User', 'emails[type eq "work"].value eq "w@x.test"')).toEqual([
      { attribute: 'emails.type', value: 'work' },
      { attribute: 'emails.value', value: 'w@x.test' },
    ]);
    expect(parseScimFilter('Group', 'DisplayName eq "Sales"')).toEqual([{ attribute: 'displayname', value: 'Sales' }]);
  });

  it('refuses other operators, unknown attributes and unquoted values', () => {
    for (const filter of [
      'userName co "a"',
      'userName eq "a" or userName eq "b"',
      'not (userName eq "a")',
      'nickName eq "a"',
      'userName eq a',
    ]) {
      expect(() => parseScimFilter('User', filter), filter).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidFilter' }));
    }
  });
});
