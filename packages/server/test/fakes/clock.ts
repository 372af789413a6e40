/** A clock that stands still until a test moves it: workers read it instead of waiting through real time. */
export class FakeClock {
  private current: number;

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  readonly now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current += ms;
  }

  /** Moves on to `time` (never back). */
  advanceTo(time: Date): void {
    this.current = Math.max(this.current, time.getTime());
  }
}
