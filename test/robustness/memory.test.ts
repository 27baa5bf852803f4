/**
 * A cell too large for memory is refused before anything is allocated, with the estimate and
 * the limit in the message; exit 2, nothing written. So is a whole run whose data sets (one per
 * data config and seed, kept for the whole run) and cells training at once (`--workers`) would
 * not fit together, though each cell would. The estimate itself is tested in
 * test/train/memory.test.ts.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heldDataBytes, runMemoryLimit, runPeak, type DataShape } from '../../src/train/memory.js';
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

const GiB = 2 ** 30;

/** The messages of preparing `config` on a machine of `machine` bytes with `workers` workers; [] when accepted. */
function refusal(config: unknown, workers: number, machine: number): string[] {
  const dir = tmp();
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  try {
    prepare([file], { out: join(dir, 'results'), set: [], workers, machine });
  } catch (e) {
    if (e instanceof InputError) return [...e.messages];
    throw e;
  }
  return [];
}

describe('the memory of the whole run', () => {
  const mnistSeeds = { name: 'mnist-seeds', data: { kind: 'mnist' }, model: { depth: 2, width: 64 }, train: { steps: 10 }, seeds: { count: 40 } };

  it('refuses 40 seeds of MNIST on 4 workers on a 2 GiB machine before loading a digit, naming what to reduce', () => {
    const m = refusal(mnistSeeds, 4, 2 * GiB);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(
      /^run: needs about [\d.]+ GiB of memory at its peak \(40 data sets kept at once: 2\.4 GiB; 4 cells training at once: [\d.]+ MiB\), more than the limit of 1\.5 GiB \(the whole run: 75% of this machine's 2\.0 GiB\); nothing was written; expected fewer --workers \(4: 4 cells train at once\), or fewer data sets \(one is kept per data config and seed: fewer seeds or swept data values\), or a smaller data set$/,
    );
  });

  it('refuses a run of cells that each fit, before drawing a row: 40 seeds of 20 million spiral points', () => {
    const config = { name: 'big-seeds', data: { kind: 'spirals', samples: 20_000_000 }, model: { depth: 1, width: 4 }, train: { steps: 1 }, seeds: { count: 40 } };
    // Each cell (about 1 GB) is under the per-cell limit of a 16 GiB machine; forty data sets of 480 MB are not.
    const m = refusal(config, 1, 16 * GiB);
    expect(m).toEqual([expect.stringMatching(/^run: needs about [\d.]+ GiB of memory at its peak \(40 data sets kept at once: 17\.9 GiB; 1 cell training at once: /)]);
  });

  it('counts the cells training at once: the same sweep fits on one worker and not on eight', () => {
    const config = { name: 'wide', data: { kind: 'moons', samples: 200 }, model: { depth: 4, width: 4000 }, train: { steps: 1, optimizer: 'adam' }, sweep: { 'model.depth': [4, 5, 6, 7, 8, 9, 10, 11] } };
    // About 0.75 GB a cell (weights, gradients and two Adam slots of 16e6 to 40e6 floats each).
    expect(refusal(config, 1, 8 * GiB)).toEqual([]);
    expect(refusal(config, 8, 8 * GiB)).toEqual([expect.stringMatching(/^run: needs about .* \(1 data set kept at once: .*; 8 cells training at once: /)]);
  });

  it('shares one data set between the cells and the experiments that ask for the same data and seed', () => {
    const dir = tmp();
    const base = { data: { kind: 'moons', samples: 100 }, model: { depth: 1, width: 3 }, train: { steps: 1 } };
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ ...base, name: 'a', sweep: { 'model.width': [2, 3] } }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ ...base, name: 'b', seeds: [0, 1] }));
    const [a, b] = prepare([join(dir, 'a.json'), join(dir, 'b.json')], { out: join(dir, 'results'), set: [] });
    expect(a.cells[0].data).toBe(a.cells[1].data);
    expect(b.cells[0].data).toBe(a.cells[0].data);
    expect(b.cells[1].data).not.toBe(b.cells[0].data);
  });

  it('adds the peak from its parts: distinct data sets, the MNIST digits once, and the largest cells that train at once', () => {
    const shape: DataShape = { rows: 1000, inputDim: 10, outputDim: 2, task: 'classification', extraBytes: 0 };
    const held = [{ kind: 'moons', shape }, { kind: 'mnist', shape }];
    // 1000 rows of 10 float64 features, a label and a row index.
    expect(heldDataBytes(shape)).toBe(1000 * (80 + 4 + 4));
    const mnistDigits = 10_000 * (8 * 784 + 4);
    const cells = [{ bytes: 500, data: 100 }, { bytes: 900, data: 100 }, { bytes: 700, data: 100 }];
    expect(runPeak(held, cells, 2)).toEqual({ bytes: 2 * 88_000 + mnistDigits + 900 + 700, datasets: 2 * 88_000 + mnistDigits, datasetCount: 2, cells: 1600, training: 2 });
    // One worker trains on the data set the run keeps anyway: its rows count once.
    expect(runPeak(held, cells, 1).cells).toBe(800);
    expect(runPeak(held, cells, 16).training).toBe(3);
    expect(runMemoryLimit(4 * GiB).bytes).toBe(3 * GiB);
  });
});
