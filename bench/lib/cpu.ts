import fs from 'node:fs';
import mysql from 'mysql2/promise';

/**
 * CPU-time counters (Linux /proc; 10 ms resolution), so a run can say what one request cost where:
 * the main thread of this process (the servers under test; autocannon runs in a worker thread) and the
 * database server when it runs on this machine. Each returns milliseconds, or null when unavailable.
 */
export type CpuCounter = () => number | null;

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every mainstream Linux

function readStatTicks(file: string): number | null {
  try {
    const stat = fs.readFileSync(file, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14 and stime 15 (1-based, as in proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** CPU time of this process's main thread (JS of the in-process servers, their parsing, GC on that thread). */
export const mainThreadCpuMs: CpuCounter = () => {
  const ticks = readStatTicks(`/proc/self/task/${process.pid}/stat`);
  return ticks === null ? null : (ticks * 1000) / TICKS_PER_SECOND;
};

/** CPU time of the calling thread (e.g. a worker thread), whichever thread that is. */
export const currentThreadCpuMs: CpuCounter = () => {
  const ticks = readStatTicks('/proc/thread-self/stat');
  return ticks === null ? null : (ticks * 1000) / TICKS_PER_SECOND;
};

/** CPU time of a whole process (all threads), e.g. mariadbd. */
export function processCpuMs(pid: number): CpuCounter {
  return () => {
    const ticks = readStatTicks(`/proc/${pid}/stat`);
    return ticks === null ? null : (ticks * 1000) / TICKS_PER_SECOND;
  };
}

/** The database server's CPU counter when it runs on this machine and its pid file is readable; else null. */
export async function databaseCpuCounter(databaseUrl: string): Promise<CpuCounter | null> {
  const host = new URL(databaseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return null;
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query('SELECT @@pid_file AS pidFile');
    const pidFile = (rows as Array<{ pidFile: string | null }>)[0]?.pidFile;
    if (!pidFile) return null;
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    const counter = processCpuMs(pid);
    return Number.isInteger(pid) && counter() !== null ? counter : null;
  } catch {
    return null;
  } finally {
    await connection.end();
  }
}

/** Busy CPU time of the whole machine (all cores, from /proc/stat), in ms. */
export const machineCpuMs: CpuCounter = () => {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
};

/**
 * CPU used by everything on the machine except this process (all its threads, the load generator
 * included) and the given counters (e.g. the database): other people's builds, tests, browsers. A run
 * that had a lot of it is not comparable with one that had none.
 */
export function otherProcessesCpuMs(exclude: CpuCounter[]): CpuCounter {
  const self = processCpuMs(process.pid);
  return () => {
    const total = machineCpuMs();
    const mine = self();
    const excluded = exclude.map((counter) => counter());
    if (total === null || mine === null || excluded.some((value) => value === null)) return null;
    return total - mine - excluded.reduce((sum, value) => sum! + value!, 0)!;
  };
}

/** CPU time of another process's main thread only (its JS and GC; not libuv's pool, where e.g. scrypt runs). */
export function processMainThreadCpuMs(pid: number): CpuCounter {
  return () => {
    const ticks = readStatTicks(`/proc/${pid}/task/${pid}/stat`);
    return ticks === null ? null : (ticks * 1000) / TICKS_PER_SECOND;
  };
}
