/**
 * The CSV upload: plain HTTP beside GraphQL (`POST /api/imports`), same origin and session cookie.
 * The `x-roster-upload` header is one a cross-site form cannot send.
 */
export type UploadResult =
  { ok: true; jobId: string } | { ok: false; message: string; rejected: boolean; status: number; code?: string; reason?: string };

export const UPLOAD_URL = '/api/imports';
export const TEMPLATE_URL = '/api/imports/template.csv';

interface UploadBody {
  job?: { id?: string; state?: string; error?: string | null };
  error?: { code?: string; message?: string; reason?: string };
}

export async function uploadImportFile(file: File): Promise<UploadResult> {
  let response: Response;
  try {
    response = await fetch(`${UPLOAD_URL}?fileName=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      body: file,
      headers: { 'content-type': 'text/csv', 'x-roster-upload': '1' },
      credentials: 'same-origin',
    });
  } catch {
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    return {
      ok: false,
      rejected: false,
      status: 0,
      message: offline
        ? 'You appear to be offline. Check your connection and try again.'
        : 'Could not reach the server. Check your connection and try again.',
    };
  }
  let body: UploadBody = {};
  try {
    body = (await response.json()) as UploadBody;
  } catch {
    /* not JSON: a proxy's error page */
  }
  if (response.ok && body.job?.id && body.job.state !== 'REJECTED') return { ok: true, jobId: body.job.id };
  if (body.job?.state === 'REJECTED') {
    return {
      ok: false,
      rejected: true,
      status: response.status,
      message: body.job.error || 'The file could not be read.',
    };
  }
  return {
    ok: false,
    rejected: false,
    status: response.status,
    code: body.error?.code,
    reason: body.error?.reason,
    message: body.error?.message || `The server refused the file (HTTP ${response.status}).`,
  };
}
