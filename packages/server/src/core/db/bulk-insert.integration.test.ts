import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../../test/harness.js';
import { bulkInsert } from './bulk-insert.js';

/** Text a CSV cell or an email body may hold, each of which mysql2's escaping must get through unchanged. */
const AWKWARD = [
  "O'Brien",
  'say "hi"',
  'back\\slash\\',
  'line\nend\r\nand\ttab',
  'nul\u0000byte',
  'ctrl-z\u001a',
  'emoji 🙂 and ünïcödé',
  "'); DROP TABLE bulk_insert_probe; --",
  'question? marks ?? and :named',
  '',
];

describe.each(dialects)('bulkInsert (%s)', (dialect) => {
  let roster: TestRoster;
  const read = async () =>
    (await roster.dataSource.query(`SELECT id, label, note, mark FROM bulk_insert_probe ORDER BY id`)) as Array<{
      id: number;
      label: string | null;
      note: string | null;
      mark: string | null;
    }>;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runImportRunner: false, runOutboxWorker: false, runWebhookWorker: false, runSyncEngine: false },
    );
    await roster.dataSource.query(
      `CREATE TABLE bulk_insert_probe (id INT NOT NULL PRIMARY KEY, label VARCHAR(200) NULL, note TEXT NULL, mark VARCHAR(20) NULL DEFAULT 'unset')`,
    );
  });
  afterAll(() => roster?.close());

  it('stores every value as given: quotes, backslashes, line ends, NUL, non-ASCII, numbers and nulls', async () => {
    await roster.dataSource.query('DELETE FROM bulk_insert_probe');
    const rows = AWKWARD.map((text, i) => [i, text, i % 2 ? null : text.repeat(3), 'same']);
    await bulkInsert(roster.dataSource.manager, 'bulk_insert_probe', ['id', 'label', 'note', 'mark'], rows, { rowsPerStatement: 4 });
    expect(await read()).toEqual(rows.map(([id, label, note, mark]) => ({ id, label, note, mark })));
  });

  it('leaves out a column of nullDefaults only in statements where every row holds null there', async () => {
    await roster.dataSource.query('DELETE FROM bulk_insert_probe');
    const rows = [
      [1, null, null, null],
      [2, null, null, null],
      [3, 'three', null, null],
      [4, null, 'four', 'set'],
    ];
    // Statements of two rows: the first has nothing but ids, the second sets label, note and mark in one row each.
    await bulkInsert(roster.dataSource.manager, 'bulk_insert_probe', ['id', 'label', 'note', 'mark'], rows, {
      rowsPerStatement: 2,
      nullDefaults: ['label', 'note'],
    });
    expect(await read()).toEqual([
      { id: 1, label: null, note: null, mark: null },
      { id: 2, label: null, note: null, mark: null },
      { id: 3, label: 'three', note: null, mark: null },
      { id: 4, label: null, note: 'four', mark: 'set' },
    ]);
  });

  it.runIf(dialect === 'mysql')('writes dates in the connection’s time zone (UTC), as its placeholders did', async () => {
    await roster.dataSource.query('CREATE TABLE bulk_insert_dates (id INT NOT NULL PRIMARY KEY, at DATETIME(3) NOT NULL)');
    const at = new Date('2026-12-03T10:11:12.345Z');
    await bulkInsert(roster.dataSource.manager, 'bulk_insert_dates', ['id', 'at'], [[1, at]]);
    const [row] = await roster.dataSource.query(`SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') AS at FROM bulk_insert_dates`);
    expect(row.at).toBe('2026-12-03 10:11:12.345000');
  });
});
