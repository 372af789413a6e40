import { Readable } from 'node:stream';
import type express from 'express';
import { GraphQLError } from 'graphql';
import type { Services } from '../app/context.js';
import { RequestContext } from '../app/context.js';
import type { Logger } from '../app/logger.js';
import { readCookie, SESSION_COOKIE } from '../auth/cookies.js';
import type { Viewer } from '../auth/viewer.js';
import { ImportRowEntity } from './import-row.entity.js';
import { neutraliseFormula } from './mapping.js';
import { toImportJob } from './imports.resolver.js';

/** Header that a cross-site form cannot send: browsers must preflight it, and we allow no other origin. */
export const UPLOAD_CSRF_HEADER = 'x-roster-upload';

const STATUS_BY_CODE: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, BAD_USER_INPUT: 400 };

/** CSV upload, result download and template: plain HTTP beside GraphQL, with the same session and errors. */
export function mountImportRoutes(app: express.Express, services: Services, logger: Logger): void {
  const admin = async (req: express.Request, res: express.Response): Promise<Viewer | null> => {
    const context = new RequestContext(services, readCookie(req.headers.cookie, SESSION_COOKIE), (value) => res.append('Set-Cookie', value));
    try {
      return await context.admin();
    } catch (error) {
      sendError(res, error);
      return null;
    }
  };

  app.post('/api/imports', async (req, res) => {
    if (req.header(UPLOAD_CSRF_HEADER) !== '1') {
      res.status(400).json({ error: { code: 'BAD_REQUEST', message: `Uploads must carry the header "${UPLOAD_CSRF_HEADER}: 1".` } });
      return;
    }
    const declared = Number(req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > services.imports.maxBytes) {
      res.status(413).json({ error: { code: 'FILE_TOO_LARGE', message: `The file is larger than ${Math.round(services.imports.maxBytes / 1024 / 1024)} MB.` } });
      req.resume();
      return;
    }
    const viewer = await admin(req, res);
    if (!viewer) {
      req.resume();
      return;
    }
    const fileName = typeof req.query.fileName === 'string' ? req.query.fileName : null;
    try {
      const job = await services.imports.createFromCsv(viewer, req, fileName);
      res.status(job.state === 'REJECTED' ? 422 : 201).json({ job: toImportJob(job) });
    } catch (error) {
      logger.error('CSV upload failed', error);
      sendError(res, error);
    }
  });

  app.get('/api/imports/template.csv', (_req, res) => {
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', 'attachment; filename="roster-import-template.csv"')
      .send('\uFEFFemail,name,role,company,groups\r\njane.doe@example.com,Jane Doe,Member,Contoso Ltd,Helpdesk;Billing\r\njohn.roe@example.com,John Roe,Administrator,,\r\n');
  });

  app.get('/api/imports/:id/result.csv', async (req, res) => {
    const viewer = await admin(req, res);
    if (!viewer) return;
    try {
      const job = await services.imports.find(viewer.accountId, req.params.id as string);
      const safeName = (job.fileName ?? 'import').replace(/\.csv$/i, '').replace(/[^\w.-]+/g, '_').slice(0, 80);
      res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${safeName}-result.csv"`);
      const mapping = JSON.parse(job.mapping ?? '{}') as { email?: number | null };
      Readable.from(resultLines(services, job.id, mapping.email ?? null)).pipe(res);
    } catch (error) {
      sendError(res, error);
    }
  });
}

async function* resultLines(services: Services, jobId: string, emailColumn: number | null): AsyncGenerator<string> {
  yield '\uFEFF' + ['line', 'email', 'name', 'role', 'company', 'groups', 'verdict', 'outcome', 'reason'].join(',') + '\r\n';
  let lastIndex = -1;
  for (;;) {
    const rows = await services.dataSource
      .getRepository(ImportRowEntity)
      .createQueryBuilder('r')
      .where("r.job_id = :jobId AND r.row_index > :lastIndex AND r.verdict <> 'HEADER'", { jobId, lastIndex })
      .orderBy('r.row_index', 'ASC')
      .limit(1000)
      .getMany();
    if (rows.length === 0) return;
    lastIndex = rows.at(-1)!.rowIndex;
    let chunk = '';
    for (const row of rows) {
      const cells = JSON.parse(row.cells) as string[];
      const email = row.email ?? (emailColumn === null ? '' : (cells[emailColumn] ?? ''));
      const groups = row.groups ? (JSON.parse(row.groups) as string[]).join(';') : '';
      chunk += [String(row.line), email, row.name ?? '', row.role ?? '', row.company ?? '', groups, row.verdict, row.outcome ?? 'NOT_IMPORTED', row.outcomeReason ?? row.reason ?? '']
        .map(csvCell)
        .join(',') + '\r\n';
    }
    yield chunk;
  }
}

/** Quotes a cell for CSV and defuses spreadsheet formulas (= + - @ at the start). */
export function csvCell(value: string): string {
  const safe = neutraliseFormula(value);
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function sendError(res: express.Response, error: unknown): void {
  if (error instanceof GraphQLError) {
    const code = String(error.extensions.code ?? 'BAD_REQUEST');
    res.status(STATUS_BY_CODE[code] ?? 400).json({ error: { code, message: error.message, ...(error.extensions.reason ? { reason: error.extensions.reason } : {}) } });
    return;
  }
  res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Something went wrong on our side. Please try again.' } });
}
