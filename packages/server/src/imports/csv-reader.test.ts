import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { CsvFileError, openCsv, sniffDelimiter, type CsvRecord, type CsvSkip } from './csv-reader.js';
import { neutraliseFormula } from '../core/http/csv-cell.js';
import { evaluateRow, guessMapping, mappingFromHeader } from './mapping.js';

async function read(input: string | Buffer, chunkSize = 7): Promise<{ delimiter: string; items: Array<CsvRecord | CsvSkip> }> {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const { delimiter, batches } = await openCsv(Readable.from(chunks), { maxBytes: 50 * 1024 * 1024 });
  const items: Array<CsvRecord | CsvSkip> = [];
  for await (const batch of batches) items.push(...batch);
  return { delimiter, items };
}
const cells = (items: Array<CsvRecord | CsvSkip>) => items.filter((i): i is CsvRecord => 'cells' in i).map((i) => i.cells);

describe('reading CSV files', () => {
  it('reads UTF-8 with a BOM, CRLF line ends, and a header in any letter case', async () => {
    const { items } = await read('\uFEFFE-Mail,NAME\r\nada@x.com,Ada\r\nbob@x.com,Bob\r\n');
    expect(cells(items)).toEqual([
      ['E-Mail', 'NAME'],
      ['ada@x.com', 'Ada'],
      ['bob@x.com', 'Bob'],
    ]);
    expect(mappingFromHeader(cells(items)[0]!)).toMatchObject({ email: 0, name: 1 });
  });

  it('detects semicolons and tabs as delimiters, commas inside quotes do not count', async () => {
    expect((await read('email;name\na@x.com;"Doe, Jane"\n')).delimiter).toBe(';');
    expect((await read('email\tname\na@x.com\tJane\n')).delimiter).toBe('\t');
    expect(sniffDelimiter('"a,b,c";d\n')).toBe(';');
  });

  it('keeps quoted fields with delimiters and new lines, and gives the line each record starts on', async () => {
    const { items } = await read('email,note\na@x.com,"first line\nsecond, line"\n\n\nb@x.com,plain\n');
    const records = items.filter((i): i is CsvRecord => 'cells' in i);
    expect(records.map((r) => [r.line, r.cells[0]])).toEqual([
      [1, 'email'],
      [2, 'a@x.com'],
      [6, 'b@x.com'],
    ]);
    expect(records[1]!.cells[1]).toBe('first line\nsecond, line');
  });

  it('splits a file mixing CRLF, LF and CR line ends into its lines, counting a line end inside quotes once', async () => {
    const { items } = await read('email,note\r\na@x.com,"one\r\ntwo"\r\n\r\nb@x.com,B\nc@x.com,C\rd@x.com,D\r\n', 3);
    const records = items.filter((i): i is CsvRecord => 'cells' in i);
    expect(records.map((r) => [r.line, r.cells[0]])).toEqual([
      [1, 'email'],
      [2, 'a@x.com'],
      [5, 'b@x.com'],
      [6, 'c@x.com'],
      [7, 'd@x.com'],
    ]);
    expect(records[1]!.cells[1]).toBe('one\ntwo');
  });

  it('keeps the text of a field with malformed quotes as written, and reads the rows after it', async () => {
    const { items } = await read('email,name\n"a@x.com"x,Ada\nb@x.com,"Bo "the" B"\nc@x.com,Cy\n"d@x.com",Di\n');
    const records = items.filter((i): i is CsvRecord => 'cells' in i);
    expect(records.map((r) => [r.line, ...r.cells])).toEqual([
      [1, 'email', 'name'],
      [2, '"a@x.com"x', 'Ada'],
      [3, 'b@x.com', '"Bo "the" B"'],
      [4, 'c@x.com', 'Cy'],
      [5, 'd@x.com', 'Di'],
    ]);
  });

  it('reports a record longer than two million characters as unreadable', async () => {
    const { items } = await read(`email,notes\na@x.com,"${'x'.repeat(2_100_000)}"\nb@x.com,ok\n`, 64 * 1024);
    expect(cells(items).map((c) => c[0])).toEqual(['email']);
    expect(items.find((i): i is CsvSkip => 'reason' in i)).toEqual({ line: 2, reason: expect.stringMatching(/longer than 2,000,000/) });
  });

  it('skips empty lines and rows of empty cells; trailing delimiters make empty cells', async () => {
    const { items } = await read('email,name,\na@x.com,A,\n,,\n\nb@x.com,B,,,\n');
    expect(cells(items)).toEqual([
      ['email', 'name', ''],
      ['a@x.com', 'A', ''],
      ['b@x.com', 'B', '', '', ''],
    ]);
  });

  it('reads a 1 MB single field without choking', async () => {
    const { items } = await read(`email,notes\na@x.com,"${'x'.repeat(1024 * 1024)}"\nb@x.com,ok\n`, 64 * 1024);
    expect(cells(items).map((c) => c[0])).toEqual(['email', 'a@x.com', 'b@x.com']);
    expect(cells(items)[1]![1]).toHaveLength(1024 * 1024);
  });

  it('turns bytes that are not UTF-8 into U+FFFD so the row can be flagged, and keeps the rest', async () => {
    const latin1 = Buffer.concat([Buffer.from('email,name\na@x.com,Ren'), Buffer.from([0xe9]), Buffer.from('\nb@x.com,Bob\n')]);
    const rows = cells((await read(latin1)).items);
    expect(rows[1]![1]).toBe('Ren\uFFFD');
    expect(evaluateRow(rows[1]!, 2, { ...mappingFromHeader(rows[0]!)! }, Role.ADMIN)).toMatchObject({
      verdict: 'INVALID',
      reason: expect.stringMatching(/Line 2: .*not UTF-8/),
    });
    expect(evaluateRow(rows[2]!, 3, { ...mappingFromHeader(rows[0]!)! }, Role.ADMIN)).toMatchObject({ verdict: 'NEW', email: 'b@x.com' });
  });

  it('reports a never-closed quote as an unreadable record after the good rows', async () => {
    const { items } = await read('email,name\na@x.com,A\nb@x.com,"never closed\nc@x.com,C\n');
    expect(cells(items).map((c) => c[0])).toEqual(['email', 'a@x.com']);
    expect(items.at(-1)).toEqual({ line: 3, reason: expect.stringMatching(/starting on line 3 is never closed/) });
  });

  it('rejects an empty file and a binary file with clear messages', async () => {
    await expect(read('\uFEFF  \r\n')).rejects.toThrow(/empty/);
    await expect(read(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]))).rejects.toBeInstanceOf(CsvFileError);
  });

  it('refuses a file over the size limit while reading it', async () => {
    const big = Readable.from([Buffer.from('email\n'), Buffer.alloc(2048, 'a')]);
    const { batches } = await openCsv(big, { maxBytes: 1024 });
    await expect(
      (async () => {
        for await (const _ of batches) void _;
      })(),
    ).rejects.toThrow(/larger than/);
  });

  it('streams 100,000 rows', async () => {
    const lines = ['email,name'];
    for (let i = 0; i < 100_000; i++) lines.push(`user${i}@x.com,User ${i}`);
    const { items } = await read(lines.join('\n'), 64 * 1024);
    expect(items).toHaveLength(100_001);
  });
});

describe('row verdicts', () => {
  const mapping = { email: 0, name: 1, firstName: null, lastName: null, jobTitle: null, role: 2, company: 3, groups: 4 };

  it('reads email (lower-cased), name, role, company and groups', () => {
    expect(evaluateRow(['Ada@X.com', 'Ada L', 'Administrator', 'Contoso', 'Helpdesk; Billing|Ops'], 3, mapping, Role.ADMIN)).toEqual({
      email: 'ada@x.com',
      name: 'Ada L',
      jobTitle: null,
      role: 'ADMIN',
      company: 'Contoso',
      groups: ['Helpdesk', 'Billing', 'Ops'],
      verdict: 'NEW',
      reason: null,
    });
  });

  it('explains each invalid row with its line number', () => {
    expect(evaluateRow(['', 'x'], 4, mapping, Role.ADMIN).reason).toBe('Line 4: the email is empty.');
    expect(evaluateRow(['not-an-email'], 5, mapping, Role.ADMIN).reason).toMatch(/^Line 5: "not-an-email" is not a valid email/);
    expect(evaluateRow(['a@x.com', '', 'emperor'], 6, mapping, Role.ADMIN).reason).toMatch(/^Line 6: unknown role "emperor"/);
    expect(evaluateRow(['a@x.com', '', 'owner'], 7, mapping, Role.ADMIN).reason).toMatch(/only an owner/);
    expect(
      evaluateRow(
        Array.from({ length: 500 }, () => 'a@x.com'),
        8,
        mapping,
        Role.ADMIN,
      ).reason,
    ).toMatch(/500 columns/);
    expect(evaluateRow(['=cmd|"/c calc"!A1'], 9, mapping, Role.ADMIN).verdict).toBe('INVALID');
  });

  it('guesses the columns of a file without a header', () => {
    expect(
      guessMapping([
        ['Ada', 'ada@x.com', 'admin'],
        ['Bob', 'bob@x.com', 'member'],
      ]),
    ).toMatchObject({ email: 1, name: 0, role: 2 });
    expect(mappingFromHeader(['ada@x.com', 'Ada'])).toBeNull();
  });

  it('neutralises formula-looking cells for spreadsheets', () => {
    for (const value of ['=1+1', '+1', '-2', '@SUM(A1)', '\t=x']) expect(neutraliseFormula(value)).toBe(`'${value}`);
    expect(neutraliseFormula('ada@x.com')).toBe('ada@x.com');
  });
});
