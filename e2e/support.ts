import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..');

export interface StartedProduct {
  url: string;
  demo: { email: string; password: string } | null;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts the built product as `pnpm start` does (node on the built server, which serves the built SPA),
 * with its own data folder, and waits for the start-up banner.
 */
export async function startBuiltProduct(
  env: Record<string, string> = {},
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-product-')),
): Promise<StartedProduct> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    ROSTER_DATA_DIR: dataDir,
    DATABASE_URL: '',
    NODE_ENV: 'production',
    ...env,
  };
  if (!childEnv.PUBLIC_URL) {
    // Production requires PUBLIC_URL; "unset" here means its development default, the server's own address.
    if (childEnv.PORT === '0') childEnv.PORT = String(await freePort());
    childEnv.PUBLIC_URL = `http://localhost:${childEnv.PORT}`;
  }
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', 'packages/server/dist/main.js'], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // no half-started server left behind
      reject(new Error(`Roster did not start within 60 s:\n${output}`));
    }, 60_000);
    const check = () => {
      const match = /Roster is running at (http:\/\/\S+)/.exec(output);
      // The whole start-up banner (one write), through its closing blank line, with the demo sign-in when there is one.
      if (match && /Live updates:[^\n]*\n(?:\nDemo admin sign-in: [^\n]*\n)?\n/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Roster exited with code ${code}:\n${output}`));
    });
  });
  const demoMatch = /Demo admin sign-in: (\S+) \/ (\S+)/.exec(output);
  return {
    url,
    demo: demoMatch ? { email: demoMatch[1]!, password: demoMatch[2]! } : null,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs the built server with the given environment and returns its exit code and output. */
export function runBuiltProductToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['packages/server/dist/main.js'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export async function signIn(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($i: SignInInput!) { signIn(input: $i) { viewer { role } } }',
      variables: { i: { email, password } },
    }),
  });
  const cookie = response.headers.getSetCookie()[0];
  if (!cookie) throw new Error(`sign-in failed: ${await response.text()}`);
  return cookie.split(';')[0]!;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the built product on a given port and data folder (a restart keeps both, so open dashboards can come
 * back to the same address and data). Retries for a few seconds while the port is still held, e.g. by the
 * instance that was just stopped.
 */
export async function startBuiltProductOnPort(port: number, dataDir: string, env: Record<string, string> = {}): Promise<StartedProduct> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await startBuiltProduct({ ...env, PORT: String(port) }, dataDir);
    } catch (error) {
      if (!/EADDRINUSE/.test(String(error)) || Date.now() >= deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** One GraphQL request over HTTP with a session cookie ("name=value"); throws with the errors if there are any. */
export async function graphql<T = any>(url: string, cookie: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!response.ok || body.errors?.length || !body.data)
    throw new Error(`GraphQL request failed (HTTP ${response.status}): ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}
