import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { problemCount, type LoadRun, type LoadSummary } from './load.js';

/** bench/results (git-ignored). */
export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Prints rows as an aligned text table; the first row is the header. */
export function printTable(rows: Array<Array<string | number>>, rightAligned: boolean[] = []): void {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (rightAligned[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  console.log(line(cells[0]!));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}

/** The usual load table: one line per scenario (medians over its rounds). */
export function printLoadTable(summaries: LoadSummary[]): void {
  const cpuKeys = [...new Set(summaries.flatMap((s) => Object.keys(s.cpuMsPerRequest)))];
  printTable(
    [
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', ...cpuKeys.map((key) => `${key} cpu ms/req`), 'event loop busy'],
      ...summaries.map((s) => [
        s.name,
        s.requestsPerSec.toFixed(1),
        s.latencyP50Ms.toFixed(1),
        s.latencyP99Ms.toFixed(1),
        problemCount(s),
        ...cpuKeys.map((key) => s.cpuMsPerRequest[key]?.toFixed(2) ?? '-'),
        `${Math.round(s.eventLoopUtilization * 100)}%`,
      ]),
    ],
    [false, true, true, true, true, ...cpuKeys.map(() => true), true],
  );
}

export function describeRun(run: LoadRun): string {
  const problems = run.non2xx + run.errors + run.timeouts + run.warmupProblems;
  return `  round ${run.round} ${run.name.padEnd(10)} ${run.requestsPerSec.toFixed(1).padStart(8)} req/s  p50 ${run.latencyP50Ms.toFixed(1)} ms  p99 ${run.latencyP99Ms.toFixed(1)} ms${Object.entries(
    run.cpuMsPerRequest,
  )
    .map(([key, ms]) => `  ${key} ${ms.toFixed(2)} cpu ms/req`)
    .join(
      '',
    )}  loop ${Math.round(run.eventLoopUtilization * 100)}%${run.otherLoadCores === null ? '' : `  other load ${run.otherLoadCores.toFixed(2)} cores`}${problems ? `  PROBLEMS: ${problems} ${JSON.stringify(run.statusCodes)}` : ''}`;
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(name: string, result: object): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** Warns when unrelated processes kept the machine busy during some runs (their figures are noisy). */
export function warnAboutOtherLoad(runs: LoadRun[], thresholdCores = 0.2): boolean {
  const noisy = runs.filter((run) => run.otherLoadCores !== null && run.otherLoadCores > thresholdCores);
  if (noisy.length === 0) return false;
  console.log(
    `\nWARNING: other processes kept ${noisy.map((run) => `${run.otherLoadCores!.toFixed(2)} cores busy during ${run.name} round ${run.round}`).join(', ')}. ` +
      'Those figures are noisy; rerun on a quiet machine before trusting the ratio.',
  );
  return true;
}

/** The code a run measured: HEAD, and whether packages/server had uncommitted changes (the server changes while benchmarks run). */
export function gitRevision(): { commit: string | null; serverDirty: boolean | null } {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: path.resolve(RESULTS_DIR, '..', '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { commit: git(['rev-parse', '--short', 'HEAD']), serverDirty: git(['status', '--porcelain', '--', 'packages/server']) !== '' };
  } catch {
    return { commit: null, serverDirty: null };
  }
}

/** Rounded to 1, 2 or 3 decimals, for the figures of the tables and the results files. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
