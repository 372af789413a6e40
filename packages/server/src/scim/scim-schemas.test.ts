import { describe, expect, it } from 'vitest';
import { project, projectionOf } from './scim-list-request.js';
import { conformUserAttributes, ENTERPRISE_USER_SCHEMA, SCHEMAS } from './scim-schemas.js';

describe('conformUserAttributes', () => {
  it('keeps declared attributes under their declared names and drops the rest', () => {
    const kept = conformUserAttributes(
      {
        USERNAME: 'a@x.test',
        emails: [{ Value: 'a@x.test', Primary: 'True', extra: 1 }],
        name: { GivenName: 'Ada', honorificPrefix: null },
        adreses: [{ country: 'GB' }],
        password: 'secret',
        roles: [],
        [ENTERPRISE_USER_SCHEMA.toUpperCase()]: { Manager: { Value: 'boss' }, employeeNumber: 42 },
      },
      'refuse',
    );
    expect(kept).toEqual({
      userName: 'a@x.test',
      emails: [{ value: 'a@x.test', primary: true }],
      name: { givenName: 'Ada' },
      [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'boss' }, employeeNumber: '42' },
    });
  });

  it('refuses a wrong type or two primaries from a client, and drops them from what was stored before', () => {
    expect(() => conformUserAttributes({ active: 'maybe' }, 'refuse')).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue' }),
    );
    expect(() => conformUserAttributes({ name: 'Ada' }, 'refuse')).toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
    const twoPrimaries = {
      emails: [
        { value: 'a@x.test', primary: true },
        { value: 'b@x.test', primary: true },
      ],
    };
    expect(() => conformUserAttributes(twoPrimaries, 'refuse')).toThrow(/primary/);
    expect(conformUserAttributes({ ...twoPrimaries, name: 'Ada' }, 'drop')).toEqual({
      emails: [
        { value: 'a@x.test', primary: true },
        { value: 'b@x.test', primary: false },
      ],
    });
  });

  it('declares no complex sub-attribute and every Group member sub-attribute responses carry', () => {
    for (const schema of SCHEMAS)
      for (const attribute of schema.attributes)
        for (const sub of attribute.subAttributes ?? [])
          expect(sub.type, `${schema.name}.${attribute.name}.${sub.name}`).not.toBe('complex');
    const members = SCHEMAS.find((s) => s.name === 'Group')!.attributes.find((a) => a.name === 'members')!;
    expect(members.subAttributes!.map((s) => s.name)).toEqual(['value', '$ref', 'type', 'display']);
  });
});

describe('attributes and excludedAttributes', () => {
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER_SCHEMA],
    id: '1',
    userName: 'a@x.test',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'a@x.test', type: 'work' }],
    [ENTERPRISE_USER_SCHEMA]: { department: 'R&D', employeeNumber: '7' },
  };

  it('narrows to sub-attributes, schema-qualified names and value paths, always keeping id and schemas', () => {
    expect(project(user, projectionOf({ attributes: 'Name.GivenName,emails[type eq "work"].value' }))).toEqual({
      schemas: user.schemas,
      id: '1',
      name: { givenName: 'Ada' },
      emails: [{ value: 'a@x.test' }],
    });
    expect(
      project(
        user,
        projectionOf({ attributes: `urn:ietf:params:scim:schemas:core:2.0:User:userName,${ENTERPRISE_USER_SCHEMA}:department` }),
      ),
    ).toEqual({
      schemas: user.schemas,
      id: '1',
      userName: 'a@x.test',
      [ENTERPRISE_USER_SCHEMA]: { department: 'R&D' },
    });
  });

  it('excludes sub-attributes without dropping their parent, and never excludes id', () => {
    expect(project(user, projectionOf({ excludedAttributes: `name.familyName,id,${ENTERPRISE_USER_SCHEMA}` }))).toEqual({
      schemas: user.schemas,
      id: '1',
      userName: 'a@x.test',
      name: { givenName: 'Ada' },
      emails: [{ value: 'a@x.test', type: 'work' }],
    });
  });
});
