import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from './json-body.js';

/** A server that answers the parsed body, or the error's status and type as body-parser's errors carry them. */
let server: http.Server;
let url: string;

beforeAll(async () => {
  const app = express();
  app.post('/', jsonBody(1024), (req, res) => void res.json({ body: req.body }));
  app.use((error: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(error.status ?? 500).json({ type: error.type ?? null });
  });
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, json: await response.json() };
}

describe('jsonBody', () => {
  it('parses a JSON object or array, with or without charset, and drops a byte order mark', async () => {
    expect(await post('{"query":"{ a }","variables":{"x":"é"}}')).toEqual({
      status: 200,
      json: { body: { query: '{ a }', variables: { x: 'é' } } },
    });
    expect(await post('[{"query":"{ a }"}]', { 'content-type': 'application/json; charset=UTF-8' })).toEqual({
      status: 200,
      json: { body: [{ query: '{ a }' }] },
    });
    expect(await post('\uFEFF {"a":1}')).toEqual({ status: 200, json: { body: { a: 1 } } });
  });

  it('refuses what is not JSON, or not an object or array, as body-parser does (400 entity.parse.failed)', async () => {
    expect(await post('{"query": ')).toEqual({ status: 400, json: { type: 'entity.parse.failed' } });
    expect(await post(' "just a string"')).toEqual({ status: 400, json: { type: 'entity.parse.failed' } });
    expect(await post('null')).toEqual({ status: 400, json: { type: 'entity.parse.failed' } });
  });

  it('leaves other bodies to body-parser: compressed, other charsets, over the limit', async () => {
    expect(await post(new Uint8Array(gzipSync('{"a":2}')), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toEqual({
      status: 200,
      json: { body: { a: 2 } },
    });
    expect(await post('{"a":3}', { 'content-type': 'application/json; charset=latin1' })).toEqual({
      status: 415,
      json: { type: 'charset.unsupported' },
    });
    expect(await post(JSON.stringify({ padding: 'x'.repeat(2000) }))).toEqual({ status: 413, json: { type: 'entity.too.large' } });
  });
});
