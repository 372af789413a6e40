import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import Papa from 'papaparse';

export interface CsvRecord {
  /** Line of the file where the record starts (1-based). */
  line: number;
  cells: string[];
}

/** A record the parser could not read; the rest of the file still is. */
export interface CsvSkip {
  line: number;
  reason: string;
}

/** Longest record accepted (characters); a longer one is reported as unreadable, not buffered forever. */
export const MAX_RECORD_CHARS = 2_000_000;

interface PapaError {
  code: string;
  row: number;
}

/** Records in file order, a batch per piece of text read (about a thousand from a 64 KB chunk). */
export type CsvBatch = Array<CsvRecord | CsvSkip>;

/**
 * Splits text (line ends already made `\n`) into records. Papa Parse reads well-formed CSV (RFC 4180, quoted
 * fields with delimiters and new lines) about five times faster than csv-parse with `info`, which the
 * preview of a large file spent most of its time in. A quote Papa Parse calls malformed (`"a"b`, a stray
 * quote after a closing one) hands that record and the rest of the file to csv-parse with `relax_quotes`,
 * which keeps such a field's text as written, as every file was read before.
 *
 * Records come in batches, one per piece of text: a generator's step (and each `await` of its reader) costs a
 * few promises, which per record were a tenth of the preview's CPU once the server's async context tracking
 * (AsyncLocalStorage) pays for each promise.
 *
 * Empty lines and records of blank cells are left out (their lines still count). A record longer than
 * MAX_RECORD_CHARS, or a quote never closed, ends the reading with one CsvSkip.
 */
export async function* readRecords(text: AsyncIterable<string>, delimiter: string): AsyncGenerator<CsvBatch> {
  const chunks = text[Symbol.asyncIterator]();
  try {
    yield* papaRecords(chunks, delimiter);
  } finally {
    // Also when the reader stops early (a refused file): the file is closed, not left open.
    await chunks.return?.();
  }
}

async function* papaRecords(chunks: AsyncIterator<string>, delimiter: string): AsyncGenerator<CsvBatch> {
  const parser = new Papa.Parser({ delimiter, newline: '\n' });
  let partial = '';
  let line = 1;
  for (;;) {
    const next = await chunks.next();
    const last = next.done === true;
    const input = last ? partial : partial + next.value;
    const result = parser.parse(input, 0, !last) as { data: string[][]; errors: PapaError[]; meta: { cursor: number } };
    const malformed = result.errors.find((error) => error.code === 'InvalidQuotes');
    const unclosed = last ? result.errors.find((error) => error.code === 'MissingQuotes') : undefined;
    const good = Math.min(result.data.length, malformed?.row ?? Infinity, unclosed?.row ?? Infinity);
    const batch: CsvBatch = [];
    for (let index = 0; index < good; index++) {
      const cells = result.data[index]!;
      const start = line;
      let chars = 0;
      for (const cell of cells) {
        chars += cell.length;
        for (let at = cell.indexOf('\n'); at >= 0; at = cell.indexOf('\n', at + 1)) line++;
      }
      line++;
      if (chars > MAX_RECORD_CHARS) return yield [...batch, tooLong(start)];
      if (!isBlank(cells)) batch.push({ line: start, cells });
    }
    if (malformed) {
      if (batch.length) yield batch;
      const from = malformed.row >= result.data.length ? result.meta.cursor : cursorAfter(input, delimiter, malformed.row);
      yield* readRelaxed(input.slice(from), last ? null : chunks, delimiter, line);
      return;
    }
    if (unclosed)
      return yield [
        ...batch,
        { line, reason: `A quoted field starting on line ${line} is never closed, so the rest of the file could not be read.` },
      ];
    if (batch.length) yield batch;
    if (last) return;
    partial = input.slice(result.meta.cursor);
    if (partial.length > MAX_RECORD_CHARS) return yield [tooLong(line)];
  }
}

const tooLong = (line: number): CsvSkip => ({
  line,
  reason: `The record is longer than ${MAX_RECORD_CHARS.toLocaleString('en')} characters.`,
});

function isBlank(cells: string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

/** Where the first `rows` records of `input` end (only after a malformed quote). */
function cursorAfter(input: string, delimiter: string, rows: number): number {
  if (rows === 0) return 0;
  const result = new Papa.Parser({ delimiter, newline: '\n', preview: rows }).parse(input, 0, true) as { meta: { cursor: number } };
  return result.meta.cursor;
}

/**
 * The rest of a file from a malformed quote on, read by csv-parse as every file was before; `firstLine` is the line
 * `head` starts on. Rare enough to hand its records over one by one.
 */
async function* readRelaxed(
  head: string,
  rest: AsyncIterator<string> | null,
  delimiter: string,
  firstLine: number,
): AsyncGenerator<CsvBatch> {
  const skips: CsvSkip[] = [];
  const parser = parse({
    delimiter,
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    info: true,
    on_skip: (error) => {
      if (!error) return;
      const line = firstLine - 1 + Number((error as { lines?: unknown }).lines ?? 0);
      skips.push({ line, reason: describeParseError(error.code, line) });
    },
  });
  const source = Readable.from(
    (async function* () {
      yield head;
      if (!rest) return;
      for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
    })(),
  );
  // A file over the size limit fails the text: the reader of the records gets that error.
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const embedded = item.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    yield [...skips.splice(0), { line: firstLine - 1 + item.info.lines - embedded, cells: item.record }];
  }
  if (skips.length) yield skips.splice(0);
}

function describeParseError(code: string | undefined, line: number): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `A quoted field starting before line ${line} is never closed, so the rest of the file could not be read.`;
    case 'CSV_MAX_RECORD_SIZE':
      return `The record is longer than ${MAX_RECORD_CHARS.toLocaleString('en')} characters.`;
    default:
      return `The record could not be read as CSV (${code ?? 'unknown error'}).`;
  }
}
