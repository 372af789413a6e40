import { describe, expect, it } from 'vitest';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, isScalarType, type GraphQLSchema } from 'graphql';
import { buildRosterSchema } from './schema.js';

/** Every place of the public contract that developers read in the playground's docs explorer. */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const blank = (text: string | null | undefined) => !text || !text.trim();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isScalarType(type) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    if (blank(type.description)) missing.push(`type ${type.name}`);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
        if (
          field.deprecationReason !== undefined &&
          field.deprecationReason !== null &&
          !/use|replaced|instead/i.test(field.deprecationReason)
        ) {
          missing.push(`${type.name}.${field.name} is deprecated without saying what replaces it`);
        }
        for (const arg of field.args) if (blank(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (blank(field.description)) missing.push(`${type.name}.${field.name}`);
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (blank(value.description)) missing.push(`${type.name}.${value.name}`);
    }
    if (isUnionType(type) && blank(type.description)) missing.push(`union ${type.name}`);
  }
  return missing;
}

describe('the GraphQL contract as developers read it', () => {
  it('describes every type, field, argument, input field and enum value', async () => {
    expect(undocumented(await buildRosterSchema())).toEqual([]);
  });
});
