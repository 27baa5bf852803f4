/**
 * The progress line of `gradflow run` on a terminal: every cell in training at once (one with
 * `--workers 1`, several otherwise), each with its step and loss, the run's ETA, redrawn in place
 * at most a few times a second. Lines printed while it is shown go through `print`, which clears
 * the bar first and redraws it after, so a finished cell's line never lands inside the bar.
 * Off a terminal (CI, pipes) and with --quiet it draws nothing and `print` just prints.
 */
import type { Progress } from './trainer.js';

const MIN_INTERVAL_MS = 200;
const BAR_WIDTH = 24;

interface Shown {
  readonly label: string;
  readonly p: Progress;
}

export class ProgressLine {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;
  /** Cells training now, in the order they started. */
  private readonly cells = new Map<string, Shown>();

  constructor(quiet: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = !quiet && stream.isTTY === true;
  }

  /** Records `id`'s progress and redraws when the last draw is old enough. */
  update(id: string, label: string, p: Progress): void {
    if (!this.enabled) return;
    this.cells.set(id, { label, p });
    const now = Date.now();
    if (now - this.last < MIN_INTERVAL_MS) return;
    this.last = now;
    this.draw();
  }

  /** `id` stopped training: it leaves the line, which is redrawn or cleared. */
  done(id: string): void {
    if (!this.cells.delete(id) || !this.enabled) return;
    if (this.cells.size > 0) this.draw();
    else this.clear();
  }

  /** Runs `write` (which prints whole lines) with the bar out of the way, then redraws it. */
  print(write: () => void): void {
    const redraw = this.shown;
    this.clear();
    write();
    if (redraw && this.cells.size > 0) this.draw();
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(): void {
    const line = this.cells.size === 1 ? oneCell([...this.cells.values()][0]) : severalCells([...this.cells.values()]);
    const cols = this.stream.columns ?? 120;
    this.stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    this.shown = true;
  }
}

function eta(p: Progress): number {
  return p.stepsPerSec > 0 ? (p.steps - p.step) / p.stepsPerSec : NaN;
}

/** `label ████░░ 120/2000 loss 1.023 534 steps/s ETA 3s` */
function oneCell({ label, p }: Shown): string {
  const filled = p.steps > 0 ? Math.round((BAR_WIDTH * p.step) / p.steps) : BAR_WIDTH;
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  return `${label} ${bar} ${p.step}/${p.steps} loss ${p.loss.toPrecision(4)} ${p.stepsPerSec.toFixed(0)} steps/s ETA ${formatSeconds(eta(p))}`;
}

/** `2 training: a 120/2000 (6%) loss 1.023 | b 80/2000 (4%) loss 1.051 ETA 3s` (ETA of the slowest). */
function severalCells(cells: readonly Shown[]): string {
  const parts = cells.map(({ label, p }) => {
    const pct = p.steps > 0 ? Math.floor((100 * p.step) / p.steps) : 100;
    return `${label} ${p.step}/${p.steps} (${pct}%) loss ${p.loss.toPrecision(4)}`;
  });
  const slowest = Math.max(...cells.map((c) => eta(c.p)));
  return `${cells.length} training: ${parts.join(' | ')} ETA ${formatSeconds(slowest)}`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}
