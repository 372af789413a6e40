import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ImportJobEntity } from './import-job.entity.js';
import { ImportRowEntity } from './import-row.entity.js';

const LIMIT = 1024 * 1024;
/** What the sender would send if nobody stopped it: 64 times the limit. */
const WHOLE_FILE = 64 * LIMIT;

interface ChunkedUpload {
  status: number;
  body: any;
  /** Bytes the sender had handed to its socket when the answer arrived. */
  sentWhenAnswered: number;
  /** Resolves with the bytes sent in all once the server has closed the connection. */
  closed: Promise<number>;
}

/**
 * A client streaming a CSV with `Transfer-Encoding: chunked` (no Content-Length), as fast as the server reads,
 * until it gets an answer or has sent the whole file.
 */
function uploadChunked(url: string, cookie: string): Promise<ChunkedUpload> {
  const row = Buffer.from('someone.with.a.long.address@example.test,Someone With A Name,Member\n');
  const chunk = Buffer.concat([Buffer.from('email,name,role\n'), ...Array.from({ length: Math.ceil(65_536 / row.length) }, () => row)]);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request(`${url}/api/imports?fileName=huge.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-roster-upload': '1', cookie },
    });
    const closed = new Promise<number>((resolveClosed) => request.once('close', () => resolveClosed(sent)));
    request.on('error', () => undefined); // the server closes the connection while the client still has data to send
    request.once('response', (response) => {
      answered = true;
      const sentWhenAnswered = sent;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.once('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text), sentWhenAnswered, closed }));
      response.once('error', reject);
    });
    const pump = () => {
      while (!answered && sent < WHOLE_FILE) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    pump();
  });
}

describe.each(dialects)('a CSV upload without Content-Length (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, { importMaxBytes: LIMIT }, { runOutboxWorker: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'admin@upload.test', role: Role.ADMIN, password: 'pw-upload' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@upload.test', 'pw-upload');
  });
  afterAll(() => roster?.close());

  it('is refused with 413 FILE_TOO_LARGE as soon as it passes the limit, and the rest of it is not read', async () => {
    const upload = await uploadChunked(roster.url, admin.cookie!);
    expect(upload.status).toBe(413);
    expect(upload.body.error).toEqual({ code: 'FILE_TOO_LARGE', message: 'The file is larger than 1 MB.', maxBytes: LIMIT });
    // Answered while the sender was still sending: what it had sent is the limit plus what sockets buffer.
    expect(upload.sentWhenAnswered).toBeGreaterThan(LIMIT);
    expect(upload.sentWhenAnswered).toBeLessThan(WHOLE_FILE / 4);
    // The server does not drain the rest: it closes the connection before the sender could send it all.
    expect(await upload.closed).toBeLessThan(WHOLE_FILE);
    // Refused before a single row was read into the database.
    expect(await roster.dataSource.getRepository(ImportJobEntity).count()).toBe(0);
    expect(await roster.dataSource.getRepository(ImportRowEntity).count()).toBe(0);
  });

  it('still takes a chunked file under the limit', async () => {
    const response = await fetch(`${roster.url}/api/imports?fileName=small.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-roster-upload': '1', cookie: admin.cookie! },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('email,name\n'));
          controller.enqueue(new TextEncoder().encode('ada@upload.test,Ada\n'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(201);
    expect(((await response.json()) as any).job.totalRows).toBe(1);
  });
});
