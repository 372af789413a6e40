import { Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';

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

export class CsvFileError extends Error {
  constructor(
    readonly code: 'EMPTY_FILE' | 'NOT_CSV' | 'TOO_LARGE' | 'NO_EMAIL_COLUMN',
    message: string,
  ) {
    super(message);
  }
}

export type Delimiter = ',' | ';' | '\t';

const SNIFF_BYTES = 64 * 1024;
/** Longest record accepted (characters); a longer one is reported as unreadable, not buffered forever. */
const MAX_RECORD_CHARS = 2_000_000;

/**
 * Streams a CSV file: sniffs the delimiter (`,` `;` or tab) from the first line, accepts UTF-8 with or
 * without BOM (other bytes become U+FFFD and the rows holding them are flagged later), CRLF or LF, quoted
 * fields with delimiters and new lines. Never holds the whole file.
 */
export async function openCsv(
  source: Readable,
  options: { maxBytes: number },
): Promise<{ delimiter: Delimiter; records: AsyncGenerator<CsvRecord | CsvSkip>; bytesRead: () => number }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let finished = false;
  while (headBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      finished = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const start = Buffer.concat(head);
  if (start.includes(0))
    throw new CsvFileError(
      'NOT_CSV',
      'This file is not a CSV text file (it contains binary data). Export your spreadsheet as CSV and try again.',
    );
  const text = new TextDecoder('utf-8').decode(start.subarray(0, Math.min(start.length, 8192)));
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new CsvFileError('EMPTY_FILE', 'The file is empty.');
  const delimiter = sniffDelimiter(text.replace(/^\uFEFF/, ''));

  let total = 0;
  const bytes = Readable.from(
    (async function* () {
      for (const chunk of head) yield chunk;
      if (finished) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      }
    })(),
  );
  const decoder = new TextDecoder('utf-8');
  const decode = new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > options.maxBytes)
        return callback(new CsvFileError('TOO_LARGE', `The file is larger than ${Math.round(options.maxBytes / 1024 / 1024)} MB.`));
      callback(null, decoder.decode(chunk, { stream: true }));
    },
    flush(callback) {
      callback(null, decoder.decode());
    },
  });
  const skips: CsvSkip[] = [];
  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    info: true,
    on_skip: (error) => {
      if (!error) return;
      const line = Number((error as { lines?: unknown }).lines ?? 0);
      skips.push({ line, reason: describeParseError(error.code, line) });
    },
  });
  bytes.pipe(decode).pipe(parser);
  decode.on('error', (error) => parser.destroy(error));

  async function* records(): AsyncGenerator<CsvRecord | CsvSkip> {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      while (skips.length) yield skips.shift()!;
      const embedded = item.record.reduce((n, cell) => n + (cell.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
      yield { line: item.info.lines - embedded, cells: item.record };
    }
    while (skips.length) yield skips.shift()!;
  }
  return { delimiter, records: records(), bytesRead: () => total };
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

/** The delimiter that splits the first line into the most fields, quotes respected; a comma on ties. */
export function sniffDelimiter(text: string): Delimiter {
  const firstLine = firstRecordText(text);
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuotes = false;
  for (const char of firstLine) {
    if (char === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (char === ',' || char === ';' || char === '\t')) counts[char]++;
  }
  return (Object.entries(counts) as Array<[Delimiter, number]>).reduce((best, entry) => (entry[1] > best[1] ? entry : best), [
    ',',
    counts[','],
  ] as [Delimiter, number])[0];
}

function firstRecordText(text: string): string {
  let inQuotes = false;
  let start = 0;
  while (start < text.length && /[\r\n]/.test(text[start]!)) start++;
  for (let i = start; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (char === '\n' || char === '\r')) return text.slice(start, i);
  }
  return text.slice(start);
}
