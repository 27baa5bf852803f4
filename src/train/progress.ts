/**
 * The progress line of `gradflow run` on a terminal: cell, step, loss, steps/s and ETA,
 * redrawn in place at most a few times a second. Off a terminal (CI, pipes) and with --quiet it
 * prints nothing; the run command prints one line per finished cell instead.
 */
import type { Progress } from './trainer.js';

const MIN_INTERVAL_MS = 200;

export class ProgressLine {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;

  constructor(quiet: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = !quiet && stream.isTTY === true;
  }

  update(label: string, p: Progress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < MIN_INTERVAL_MS) return;
    this.last = now;
    const eta = p.stepsPerSec > 0 ? (p.steps - p.step) / p.stepsPerSec : NaN;
    const width = 24;
    const filled = p.steps > 0 ? Math.round((width * p.step) / p.steps) : width;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const line = `${label} ${bar} ${p.step}/${p.steps} loss ${p.loss.toPrecision(4)} ${p.stepsPerSec.toFixed(0)} steps/s ETA ${formatSeconds(eta)}`;
    const cols = this.stream.columns ?? 120;
    this.stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}
