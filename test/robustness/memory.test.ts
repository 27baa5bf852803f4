/**
 * A cell too large for memory is refused before anything is allocated, with the estimate and
 * the limit in the message; exit 2, nothing written. The estimate itself is tested in
 * test/train/memory.test.ts.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, prepare } from '../../src/train/run.js';
import { gradflow, STACK_FRAME, tmp } from './helpers.js';

describe('gradflow run on a model that would not fit', () => {
  it('refuses 10^9 parameters (depth 100 x width 100000) with exit 2, the estimate and the limit, writing nothing', async () => {
    const dir = tmp();
    const file = join(dir, 'huge.json');
    writeFileSync(file, JSON.stringify({ name: 'huge', data: { kind: 'moons', samples: 200 }, model: { depth: 100, width: 100_000 }, train: { steps: 10 } }));
    const out = join(dir, 'results');
    const r = await gradflow(['run', file, '--out', out, '--workers', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^gradflow: model: needs about [\d.]+ TiB of memory \(9\.90e\+11 parameters in float32: /m);
    expect(r.stderr).toMatch(/more than the limit of [\d.]+ GiB \(per cell: the smaller of 8\.0 GiB and 75% of this machine's [\d.]+ GiB\)/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a data set that would not fit before drawing a single row, naming the cell of a sweep', () => {
    const dir = tmp();
    const file = join(dir, 'big-data.json');
    writeFileSync(file, JSON.stringify({ name: 'big', data: { kind: 'spirals' }, model: { depth: 1, width: 4 }, sweep: { 'data.samples': [300, 2 ** 40] } }));
    let err: unknown;
    try {
      prepare([file], { out: join(dir, 'results'), set: [] });
    } catch (e) {
      err = e;
    }
    // 2^40 rows would take terabytes: had they been drawn, this test would not have returned.
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).messages).toEqual([expect.stringMatching(/^samples=1099511627776: data: needs about [\d.]+ TiB of memory .* expected a smaller data set \(data\.samples: 1099511627776 rows of 2 features/)]);
  });
});
