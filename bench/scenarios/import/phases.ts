import { databaseCpuCounter, mainThreadCpuMs, otherProcessesCpuMs, type CpuCounter } from '../../lib/cpu.js';
import type { PhaseCounters, PhaseResult } from '../../lib/phase.js';
import type { WrittenRows } from './database.js';

/** Rows done over time (a point each time the count changes): shows whether a side slows down as the tables grow. */
export class Timeline {
  readonly points: Array<[seconds: number, rows: number]> = [[0, 0]];
  private readonly started = Date.now();

  add(rows: number, force = false): void {
    const seconds = (Date.now() - this.started) / 1000;
    if (force || rows !== this.points.at(-1)![1]) this.points.push([Math.round(seconds * 100) / 100, rows]);
  }

  /** rows/s over the first and the last fifth of the rows. */
  rates(total: number): { firstFifth: number; lastFifth: number } {
    const at = (rows: number) => {
      const point = this.points.find(([, done]) => done >= rows) ?? this.points.at(-1)!;
      return point;
    };
    const [t1, r1] = at(total / 5);
    const [t4, r4] = at((total * 4) / 5);
    const [tEnd, rEnd] = this.points.at(-1)!;
    return { firstFifth: Math.round(r1 / Math.max(t1, 0.001)), lastFifth: Math.round((rEnd - r4) / Math.max(tEnd - t4, 0.001)) };
  }
}

/** CPU counters of a phase: `node` is the main thread of the process doing the work (this one, or the Roster child). */
export async function counters(
  databaseUrl: string,
  worker: { mainThread: CpuCounter; wholeProcess?: CpuCounter } = { mainThread: mainThreadCpuMs },
): Promise<PhaseCounters> {
  const db = await databaseCpuCounter(databaseUrl);
  return {
    node: worker.mainThread,
    db,
    other: otherProcessesCpuMs([...(db ? [db] : []), ...(worker.wholeProcess ? [worker.wholeProcess] : [])]),
  };
}

export type BaselineRun = PhaseResult<{ statements: number; transactions: number }> & { timeline: Timeline; written: WrittenRows };
export type RosterPhase<T> = PhaseResult<T> & { statements: Array<[string, number]>; statementCount: number };
