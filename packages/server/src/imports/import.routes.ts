import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type express from 'express';
import type { RestContextFactory, Services } from '../core/context.js';
import { isDatabaseBusy } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Viewer } from '../core/viewer.js';
import { sendError } from '../core/http/http-error-reply.js';
import type { ImportJobEntity } from './import-job.entity.js';
import { failedRowLines, resultLines } from './result-csv.js';
import { toImportJob } from './imports.resolver.js';

/** Header that a cross-site form cannot send: browsers must preflight it, and we allow no other origin. */
export const UPLOAD_CSRF_HEADER = 'x-roster-upload';

/** CSV upload, result download and template: plain HTTP beside GraphQL, with the same session and errors. */
export function mountImportRoutes(app: express.Express, services: Services, contextOf: RestContextFactory, logger: Logger): void {
  const admin = async (req: express.Request, res: express.Response): Promise<Viewer | null> => {
    // Session only: the upload routes take no API key.
    const context = contextOf({ req, res }, { apiKeys: false });
    try {
      return await context.admin();
    } catch (error) {
      sendError(res, error);
      return null;
    }
  };

  app.post('/api/imports', async (req, res) => {
    // Whatever refuses the upload, the rest of the file is not read.
    stopReadingAfterAnswer(req, res);
    if (req.header(UPLOAD_CSRF_HEADER) !== '1') {
      res.status(400).json({ error: { code: 'BAD_REQUEST', message: `Uploads must carry the header "${UPLOAD_CSRF_HEADER}: 1".` } });
      return;
    }
    const tooLarge = () => refuseTooLarge(res, services.imports.maxBytes);
    const declared = Number(req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > services.imports.maxBytes) return tooLarge();
    const viewer = await admin(req, res);
    if (!viewer) return;
    const fileName = typeof req.query.fileName === 'string' ? req.query.fileName : null;
    let upload: SpooledUpload;
    try {
      upload = await spoolUpload(req, services.imports.maxBytes);
    } catch (error) {
      if (error instanceof UploadTooLargeError) return tooLarge();
      logger.error('CSV upload could not be received', error);
      return sendError(res, error);
    }
    try {
      const job = await services.imports.createFromCsv(viewer, fs.createReadStream(upload.file), fileName);
      res.status(job.state === 'REJECTED' ? 422 : 201).json({ job: toImportJob(job) });
    } catch (error) {
      if (!isDatabaseBusy(error)) logger.error('CSV upload failed', error);
      sendError(res, error);
    } finally {
      await upload.remove();
    }
  });

  app.get('/api/imports/template.csv', (_req, res) => {
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', 'attachment; filename="roster-import-template.csv"')
      .send(
        '\uFEFFemail,name,role,company,groups\r\njane.doe@example.com,Jane Doe,Member,Contoso Ltd,Helpdesk;Billing\r\njohn.roe@example.com,John Roe,Administrator,,\r\n',
      );
  });

  const download =
    (suffix: string, lines: (dataSource: Services['dataSource'], job: ImportJobEntity) => AsyncGenerator<string>) =>
    async (req: express.Request, res: express.Response) => {
      const viewer = await admin(req, res);
      if (!viewer) return;
      try {
        const job = await services.imports.find(viewer.accountId, req.params.id as string);
        const safeName = (job.fileName ?? 'import')
          .replace(/\.csv$/i, '')
          .replace(/[^\w.-]+/g, '_')
          .slice(0, 80);
        res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${safeName}-${suffix}.csv"`);
        Readable.from(lines(services.dataSource, job)).pipe(res);
      } catch (error) {
        sendError(res, error);
      }
    };
  app.get('/api/imports/:id/result.csv', download('result', resultLines));
  app.get('/api/imports/:id/failed-rows.csv', download('failed-rows', failedRowLines));
}

class UploadTooLargeError extends Error {}

interface SpooledUpload {
  file: string;
  remove(): Promise<void>;
}

/**
 * Receives the whole upload into a temporary file before any row is read, counting bytes as they arrive: a
 * file over the limit is refused as soon as the limit is passed, not after its rows were parsed and written
 * (20 MB of rows take over a minute to preview; 20 MB of bytes arrive in a moment). Chunked uploads carry no
 * Content-Length, so this count is the only limit they meet.
 */
async function spoolUpload(req: express.Request, maxBytes: number): Promise<SpooledUpload> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'roster-upload-'));
  const file = path.join(dir, 'upload.csv');
  const remove = () => fsp.rm(dir, { recursive: true, force: true });
  const out = fs.createWriteStream(file, { flags: 'wx' });
  try {
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      const stop = (error: Error) => {
        req.off('data', onData);
        req.pause();
        out.destroy();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) return stop(new UploadTooLargeError());
        if (!out.write(chunk)) {
          req.pause();
          out.once('drain', () => req.resume());
        }
      };
      req.on('data', onData);
      req.once('end', () => out.end(resolve));
      req.once('close', () => {
        if (!req.complete) stop(new Error('The upload was interrupted before its end.'));
      });
      req.once('error', stop);
      out.once('error', stop);
    });
  } catch (error) {
    await remove();
    throw error;
  }
  return { file, remove };
}

/** How long a refused upload's connection stays open after the answer, so the client reads it before the connection goes. */
const REFUSED_UPLOAD_CLOSE_MS = 1000;

/**
 * When the answer goes out before the whole body was read (refused, too large), the rest is not read: the
 * request stays paused (the sender is held back by TCP) and its connection is closed shortly after the
 * answer, instead of draining whatever is left of the file.
 */
function stopReadingAfterAnswer(req: express.Request, res: express.Response): void {
  // Such an answer says `Connection: close`, so the client sends its next request on a new connection, not on
  // this one, which is closed under it a moment later ("other side closed").
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => express.Response;
  res.writeHead = ((...args: unknown[]) => {
    if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
    return writeHead(...args);
  }) as typeof res.writeHead;
  res.once('finish', () => {
    if (req.complete) return;
    req.pause();
    setTimeout(() => req.socket.destroy(), REFUSED_UPLOAD_CLOSE_MS).unref();
  });
}

/** 413 FILE_TOO_LARGE, reading no more of the file. */
function refuseTooLarge(res: express.Response, maxBytes: number): void {
  res
    .status(413)
    .json({ error: { code: 'FILE_TOO_LARGE', message: `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`, maxBytes } });
}
