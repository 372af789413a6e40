import { Readable } from 'node:stream';
import { readRecords, type CsvBatch, type CsvRecord, type CsvSkip } from './csv-records.js';

export type { CsvBatch, CsvRecord, CsvSkip };

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

/**
 * Streams a CSV file: sniffs the delimiter (`,` `;` or tab) from the first line, accepts UTF-8 with or
 * without BOM (other bytes become U+FFFD and the rows holding them are flagged later), CRLF or LF, quoted
 * fields with delimiters and new lines. Never holds the whole file: its records come in batches, in file order.
 */
export async function openCsv(
  source: Readable,
  options: { maxBytes: number },
): Promise<{ delimiter: Delimiter; batches: AsyncGenerator<CsvBatch>; bytesRead: () => number }> {
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
  const sample = new TextDecoder('utf-8').decode(start.subarray(0, Math.min(start.length, 8192))).replace(/^\uFEFF/, '');
  if (sample.trim() === '') throw new CsvFileError('EMPTY_FILE', 'The file is empty.');
  const delimiter = sniffDelimiter(sample);

  let total = 0;
  async function* text(): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8');
    // A CR at a chunk's end may be the first half of a CRLF: it waits for the next chunk.
    let carry = '';
    const lines = (decoded: string) => {
      const joined = carry + decoded;
      carry = joined.endsWith('\r') ? '\r' : '';
      return (carry ? joined.slice(0, -1) : joined).replace(CR_LINE_ENDS, '\n');
    };
    const bytes = async function* () {
      yield* head;
      if (finished) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
    };
    try {
      for await (const chunk of bytes()) {
        total += chunk.length;
        if (total > options.maxBytes)
          throw new CsvFileError('TOO_LARGE', `The file is larger than ${Math.round(options.maxBytes / 1024 / 1024)} MB.`);
        yield lines(decoder.decode(chunk, { stream: true }));
      }
      const rest = decoder.decode();
      yield (carry + rest).replace(CR_LINE_ENDS, '\n');
    } finally {
      // Also when stopped early (a refused file, a failed write): the file is closed, not read to its end.
      await iterator.return?.();
    }
  }
  return { delimiter, batches: readRecords(text(), delimiter), bytesRead: () => total };
}

/**
 * CRLF and lone CR (old Mac exports) become LF before parsing, so a file mixing them still splits into its lines;
 * a line end inside a quoted field reads as LF too, as Excel writes it.
 */
const CR_LINE_ENDS = /\r\n?/g;

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
