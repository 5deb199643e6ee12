import type { TextStream } from './output.js';

/** One progress line on stderr. On a terminal it redraws in place; in a log it prints every quarter. */
export class ProgressLine {
  private lastQuarter = -1;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: TextStream,
  ) {}

  update(done: number): void {
    const percent = this.total === 0 ? 100 : Math.floor((done / this.total) * 100);
    const line = `${this.label}: ${percent}% (${formatBytes(done)} of ${formatBytes(this.total)})`;
    if (this.out.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      this.out.write(`\r${line}\x1b[K`);
      return;
    }
    const quarter = Math.floor(percent / 25);
    if (quarter === this.lastQuarter) return;
    this.lastQuarter = quarter;
    this.out.write(`${line}\n`);
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
