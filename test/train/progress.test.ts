import { describe, expect, it, vi } from 'vitest';
import { formatSeconds, ProgressLine } from '../../src/train/progress.js';

/** A terminal that records what is written to it. */
function terminal(isTTY = true): { stream: NodeJS.WriteStream; out: string[] } {
  const out: string[] = [];
  const stream = { isTTY, columns: 400, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, out };
}

const p = (step: number, steps = 100, loss = 1.5, stepsPerSec = 10) => ({ step, steps, loss, stepsPerSec, epoch: 0 });

describe('the progress line', () => {
  it('shows every cell in training at once, not only the last to report', () => {
    vi.useFakeTimers();
    try {
      const { stream, out } = terminal();
      const bar = new ProgressLine(false, stream);
      vi.setSystemTime(1_000);
      bar.update('a', 'exp/a', p(10));
      vi.setSystemTime(2_000);
      bar.update('b', 'exp/b', p(20));
      const last = out[out.length - 1];
      expect(last).toMatch(/^\r\x1b\[2K2 training: exp\/a 10\/100 \(10%\) loss 1\.500 \| exp\/b 20\/100 \(20%\) loss 1\.500 ETA 9s$/);
      bar.done('a');
      expect(out[out.length - 1]).toMatch(/^\r\x1b\[2Kexp\/b █+░+ 20\/100 loss 1\.500 10 steps\/s ETA 8s$/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('clears the bar before a printed line and redraws it after, so lines never land inside it', () => {
    const { stream, out } = terminal();
    const bar = new ProgressLine(false, stream);
    bar.update('a', 'exp/a', p(50));
    out.length = 0;
    bar.print(() => out.push('exp/b: ok\n'));
    expect(out[0]).toBe('\r\x1b[2K');
    expect(out[1]).toBe('exp/b: ok\n');
    expect(out[2]).toMatch(/^\r\x1b\[2Kexp\/a /);
  });

  it('draws nothing off a terminal or when quiet, and print still prints', () => {
    for (const [quiet, tty] of [[false, false], [true, true]] as const) {
      const { stream, out } = terminal(tty);
      const bar = new ProgressLine(quiet, stream);
      bar.update('a', 'exp/a', p(50));
      bar.print(() => out.push('line\n'));
      bar.done('a');
      expect(out).toEqual(['line\n']);
    }
  });

  it('formats seconds as 59s, 1m03s and -- for an unknown ETA', () => {
    expect([formatSeconds(59), formatSeconds(63), formatSeconds(NaN)]).toEqual(['59s', '1m03s', '--']);
  });
});
