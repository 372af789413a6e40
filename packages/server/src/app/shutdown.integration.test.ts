import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../../test/eventually.js';

const serverDir = path.resolve(import.meta.dirname, '../..');

interface Child {
  process: ChildProcess;
  dataDir: string;
  url: string;
  port: number;
  output: () => string;
  exit: Promise<number | null>;
}

/** The real server (src/main.ts through tsx) on a fresh SQLite file, as `pnpm start` runs it. */
async function startServer(env: Record<string, string> = {}): Promise<Child> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-shutdown-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ROSTER_DATA_DIR: dataDir, DATABASE_URL: '', ROSTER_SEED_DEMO: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await eventually(
    () => {
      if (child.exitCode !== null) throw new Error(`Roster exited with ${child.exitCode}:\n${output}`);
      return /Demo admin sign-in: \S+ \/ \S+/.test(output) ? /Roster is running at (http:\/\/\S+)/.exec(output)![1]! : null;
    },
    'Roster starting',
    60_000,
  );
  return { process: child, dataDir, url, port: Number(new URL(url).port), output: () => output, exit };
}

/** A signed-in admin's GraphQL WebSocket, acknowledged; resolves its close code when it closes. */
async function openSocket(server: Child): Promise<{ closed: Promise<number> }> {
  const [, email, password] = /Demo admin sign-in: (\S+) \/ (\S+)/.exec(server.output())!;
  const signIn = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($input: SignInInput!) { signIn(input: $input) { viewer { role } } }',
      variables: { input: { email, password } },
    }),
  });
  const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/graphql`, 'graphql-transport-ws', {
    headers: { cookie, origin: server.url },
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve();
    });
    socket.once('close', (code) => reject(new Error(`socket closed with ${code} before its ack`)));
  });
  return { closed };
}

const BODY = JSON.stringify({ query: '{ __typename }' });

/**
 * A request the server has started (it answered `100 Continue` to its headers) whose body is not sent yet:
 * it stays in flight until `finish()` sends the body; `response` is everything the server answered.
 */
async function startSlowRequest(server: Child): Promise<{ finish(): void; response: Promise<string> }> {
  const socket = net.connect(server.port, '127.0.0.1');
  let received = '';
  const response = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.on('data', (chunk) => (received += String(chunk)));
  socket.on('error', () => {});
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(BODY)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
  );
  await eventually(() => received.startsWith('HTTP/1.1 100 Continue'), 'the server reading the request headers');
  return { finish: () => socket.write(BODY), response };
}

describe('graceful shutdown of the real server (sqlite)', () => {
  let server: Child | undefined;
  afterEach(async () => {
    if (server?.process.exitCode === null) server.process.kill('SIGKILL');
    await server?.exit;
    if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM closes WebSockets with 1001, refuses new connections, finishes the request in flight and exits 0', async () => {
    server = await startServer();
    const socket = await openSocket(server);
    const slow = await startSlowRequest(server);

    server.process.kill('SIGTERM');
    expect(await socket.closed).toBe(1001);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    slow.finish();
    const response = await slow.response;
    expect(response).toMatch(/HTTP\/1\.1 200 OK/);
    expect(response).toContain('"__typename":"Query"');
    expect(await server.exit).toBe(0);
    expect(server.output()).toContain('Roster stopped');
  }, 90_000);

  it('exits 1 past SHUTDOWN_GRACE_MS, naming what was still running', async () => {
    server = await startServer({ SHUTDOWN_GRACE_MS: '1500' });
    await startSlowRequest(server);
    server.process.kill('SIGTERM');
    expect(await server.exit).toBe(1);
    const line = server
      .output()
      .split('\n')
      .find((text) => text.includes('did not stop within SHUTDOWN_GRACE_MS'));
    expect(JSON.parse(line!).stillRunning).toEqual(['HTTP requests and WebSockets']);
  }, 90_000);
});
