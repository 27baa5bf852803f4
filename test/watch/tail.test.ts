/**
 * Reading a growing ndjson file by byte offsets: only complete lines, only what was appended,
 * from 0 again after the file was replaced or truncated, and the last record of a large file
 * found from its end.
 */
import { appendFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFrom, TailCache, type Chunk, type Position } from '../../src/watch/tail.js';
import { tmp } from '../helpers/cli.js';

const line = (step: number, pad = 0): string => JSON.stringify({ step, loss: 1 / (step + 1), pad: 'x'.repeat(pad) }) + '\n';

describe('readFrom', () => {
  it('returns complete lines only, and the next call only the lines appended since', () => {
    const file = join(tmp('gradflow-tail-'), 'm.ndjson');
    expect(readFrom(file, null)).toBeNull();
    writeFileSync(file, line(0) + line(10) + '{"step": 2');
    const a = readFrom(file, null)!;
    expect(a.lines.map((l) => (l as { step: number }).step)).toEqual([0, 10]);
    expect(a.next.offset).toBe(Buffer.byteLength(line(0) + line(10)));
    expect(a.reset).toBe(false);
    expect(a.more).toBe(false);
    appendFileSync(file, '0, "loss": 0.5}\n' + line(30));
    const b = readFrom(file, a.next)!;
    expect(b.lines.map((l) => (l as { step: number }).step)).toEqual([20, 30]);
    expect(readFrom(file, b.next)!.lines).toEqual([]);
  });

  it('stops at maxBytes on a line boundary and says that more is there', () => {
    const file = join(tmp('gradflow-tail-'), 'm.ndjson');
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => line(i)).join(''));
    const steps: number[] = [];
    let pos: Position | null = null;
    let calls = 0;
    for (;;) {
      const c: Chunk = readFrom(file, pos, 200)!;
      steps.push(...c.lines.map((l) => (l as { step: number }).step));
      pos = c.next;
      calls++;
      if (!c.more) break;
    }
    expect(steps).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(calls).toBeGreaterThan(10);
  });

  it('reads a line longer than maxBytes whole', () => {
    const file = join(tmp('gradflow-tail-'), 'm.ndjson');
    writeFileSync(file, line(0, 5000) + line(1));
    const c = readFrom(file, null, 100)!;
    expect((c.lines[0] as { pad: string }).pad).toHaveLength(5000);
    const rest = c.more ? readFrom(file, c.next, 100)!.lines : [];
    expect([...c.lines, ...rest].map((l) => (l as { step: number }).step)).toEqual([0, 1]);
  });

  it('starts again from 0, flagged reset, when the file was truncated or replaced', () => {
    const dir = tmp('gradflow-tail-');
    const file = join(dir, 'm.ndjson');
    writeFileSync(file, line(0) + line(10) + line(20));
    const a = readFrom(file, null)!;
    truncateSync(file, 0);
    appendFileSync(file, line(0));
    const b = readFrom(file, a.next)!;
    expect(b.reset).toBe(true);
    expect(b.lines).toHaveLength(1);
    // Replaced by another file of the same or larger size: a new inode.
    writeFileSync(join(dir, 'new'), line(5) + line(6) + line(7) + line(8));
    renameSync(join(dir, 'new'), file);
    const c = readFrom(file, b.next)!;
    expect(c.reset).toBe(true);
    expect(c.lines.map((l) => (l as { step: number }).step)).toEqual([5, 6, 7, 8]);
    rmSync(file);
    expect(readFrom(file, c.next)).toBeNull();
  });
});

describe('TailCache', () => {
  it('finds the last record of a large file from its end, then reads only what is appended', () => {
    const file = join(tmp('gradflow-tail-'), 'm.ndjson');
    const big = Array.from({ length: 20000 }, (_, i) => line(i, 100)).join('');
    writeFileSync(file, big);
    const tails = new TailCache();
    expect((tails.last(file) as { step: number }).step).toBe(19999);
    expect(tails.bytesRead).toBeLessThan(big.length / 20);
    const before = tails.bytesRead;
    appendFileSync(file, line(20000) + line(20001) + '{"step": 200');
    expect((tails.last(file) as { step: number }).step).toBe(20001);
    expect(tails.bytesRead - before).toBe(Buffer.byteLength(line(20000) + line(20001)) + '{"step": 200'.length);
    // Nothing new: only the unfinished line is looked at again.
    const after = tails.bytesRead;
    expect((tails.last(file) as { step: number }).step).toBe(20001);
    expect(tails.bytesRead - after).toBe('{"step": 200'.length);
  });

  it('finds a last line longer than its window', () => {
    const file = join(tmp('gradflow-tail-'), 'm.ndjson');
    writeFileSync(file, line(0) + line(1, 300_000));
    expect((new TailCache().last(file) as { step: number }).step).toBe(1);
  });

  it('has nothing for a missing or empty file, or one without a complete line', () => {
    const file = join(tmp('gradflow-tail-'), 'm.ndjson');
    const tails = new TailCache();
    expect(tails.last(file)).toBeNull();
    writeFileSync(file, '');
    expect(tails.last(file)).toBeNull();
    writeFileSync(file, '{"step": 1');
    expect(tails.last(file)).toBeNull();
    appendFileSync(file, '}\n');
    expect((tails.last(file) as { step: number }).step).toBe(1);
  });
});
