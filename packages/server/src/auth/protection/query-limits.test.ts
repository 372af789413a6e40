import fs from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery, parse, validate, Kind, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildRosterSchema } from '../../app/schema.js';
import { QUERY_LIMITS, queryLimitRules } from './query-limits.js';

const webSource = path.resolve(import.meta.dirname, '../../../../web/src');

function webDocuments(): Array<{ file: string; source: string }> {
  const found: Array<{ file: string; source: string }> = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.graphql')) found.push({ file: path.relative(webSource, full), source: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(webSource);
  return found;
}

/** Each operation with the fragments it may use, as the dashboard sends it. */
function operations(documents: Array<{ file: string; source: string }>): Array<{ name: string; document: DocumentNode }> {
  const all = documents.map((d) => parse(d.source));
  const fragments = all.flatMap((d) => d.definitions.filter((x): x is FragmentDefinitionNode => x.kind === Kind.FRAGMENT_DEFINITION));
  return all.flatMap((d) =>
    d.definitions
      .filter((x) => x.kind === Kind.OPERATION_DEFINITION)
      .map((op) => ({ name: (op as { name?: { value: string } }).name?.value ?? '?', document: { kind: Kind.DOCUMENT, definitions: [op, ...fragments] } as DocumentNode })),
  );
}

describe('query limits', () => {
  it('let every query the dashboard sends and GraphiQL’s introspection through', async () => {
    const schema = await buildRosterSchema();
    const documents = webDocuments();
    expect(documents.length).toBeGreaterThan(5);
    const ops = operations(documents);
    for (const { name, document } of ops) {
      const limitErrors = validate(schema, document, queryLimitRules()).filter((e) => e.extensions.code === 'QUERY_TOO_COMPLEX' || /limit/.test(e.message));
      expect(limitErrors.map((e) => e.message), name).toEqual([]);
    }
    for (const { file, source } of documents) expect(() => parse(source, { maxTokens: QUERY_LIMITS.tokens }), file).not.toThrow();
    const introspection = parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), { maxTokens: QUERY_LIMITS.tokens });
    expect(validate(schema, introspection, queryLimitRules())).toEqual([]);
  });
});
