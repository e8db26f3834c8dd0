/**
 * Progress lines for long phases: rows done, rows per second and the time left, at most one line
 * every few seconds, and one when the phase ends.
 */
export class Progress {
  private readonly started = performance.now();
  private lastLine = this.started;
  private done = 0;

  constructor(
    private readonly phase: string,
    private readonly total: number,
    private readonly log: (line: string) => void,
    private readonly everyMs = 3000,
  ) {}

  advance(rows: number): void {
    if (rows === 0 && this.done === this.total && this.lastLine !== this.started) return;
    this.done += rows;
    const now = performance.now();
    if (now - this.lastLine < this.everyMs && this.done < this.total) return;
    this.lastLine = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = rate > 0 ? (this.total - this.done) / rate : 0;
    const percent = this.total > 0 ? Math.floor((100 * this.done) / this.total) : 100;
    const tail = this.done < this.total ? `, ETA ${left.toFixed(0)} s` : ` in ${seconds.toFixed(1)} s`;
    this.log(
      `  ${this.phase}: ${this.done.toLocaleString('en-US')} / ${this.total.toLocaleString('en-US')} (${percent} %), ` +
        `${Math.round(rate).toLocaleString('en-US')} rows/s${tail}`,
    );
  }
}
