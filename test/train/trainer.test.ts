/**
 * trainCell: the events it sends the recorder and in which order, doing what the answers ask
 * (evaluate, stop); the steps the recorder's schedule records; divergence and interruption.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import type { EventResult, TrainingEvent } from '../../src/metrics/events.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { WeightSnapshots } from '../../src/metrics/snapshots.js';
import type { HistogramRecord, MetricRecord } from '../../src/metrics/types.js';
import { trainCell, type TrainOptions } from '../../src/train/trainer.js';

function config(over: { train?: object; metrics?: object; model?: object } = {}) {
  return resolveConfig({
    name: 'trainer',
    seed: 5,
    data: { kind: 'moons', samples: 160 },
    model: { depth: 3, width: 8, activation: 'tanh', ...over.model },
    train: { steps: 5, batchSize: 16, lr: 0.1, ...over.train },
    metrics: { every: 2, probe: 32, histogramsEvery: null, ...over.metrics },
  });
}

function train(c: ReturnType<typeof config>, opts: Partial<TrainOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-trainer-'));
  return { dir, done: trainCell(c, { dir, baseDir: dir, ...opts }) };
}

function lines<T>(path: string): T[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as T);
}

/** Every event trainCell sent the recorder, with the recorder's answer. */
async function events(c: ReturnType<typeof config>, opts: Partial<TrainOptions> = {}): Promise<{ e: TrainingEvent; r: EventResult }[]> {
  const spy = vi.spyOn(Recorder.prototype, 'handle');
  try {
    await train(c, opts).done;
    return spy.mock.calls.map(([e], i) => ({ e, r: spy.mock.results[i].value as EventResult }));
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the events of a run', () => {
  it('come in the documented order: start, per step loss, gradients, (eval), flush, beforeUpdate, updated, and end', async () => {
    const seen = await events(config({ train: { evalEvery: 2 } }));
    const perStep = (s: number, last = false): string[] => [
      'loss', 'gradients', ...(s % 2 === 0 || last ? ['eval'] : []), 'flush', ...(last ? [] : ['beforeUpdate', 'updated']),
    ];
    expect(seen.map((x) => x.e.type)).toEqual(['start', ...[0, 1, 2, 3, 4].flatMap((s) => perStep(s)), ...perStep(5, true), 'end']);
    // Every event of step s names step s, in order.
    const steps = seen.flatMap(({ e }) => ('step' in e ? [e.step] : []));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(seen.at(-1)!.e).toEqual({ type: 'end', status: 'ok' });
  });

  it('evaluates exactly when the answer to gradients asks, every evalEvery steps and at the last', async () => {
    const seen = await events(config({ train: { steps: 7, evalEvery: 3 } }));
    const asked = seen.filter((x) => x.e.type === 'gradients' && x.r.evaluate === true).map((x) => (x.e as { step: number }).step);
    const evals = seen.filter((x) => x.e.type === 'eval');
    expect(asked).toEqual([0, 3, 6, 7]);
    expect(evals.map((x) => (x.e as { step: number }).step)).toEqual(asked);
    for (const x of evals) {
      const e = x.e as Extract<TrainingEvent, { type: 'eval' }>;
      expect(e.trainAcc).toBeGreaterThanOrEqual(0);
      expect(e.trainAcc).toBeLessThanOrEqual(1);
      expect(e.testLoss).toBeGreaterThan(0);
    }
    // Without train.evalEvery: max(every, ceil(steps / 20)) = 2.
    const byDefault = await events(config({ train: { steps: 7 } }));
    expect(byDefault.filter((x) => x.e.type === 'eval').map((x) => (x.e as { step: number }).step)).toEqual([0, 2, 4, 6, 7]);
  });

  it('stops at the answer that says diverged, and still ends', async () => {
    const seen = await events(config({ model: { activation: 'relu', init: 'he_normal' }, train: { steps: 50, lr: 1e12 } }));
    const i = seen.findIndex((x) => x.r.diverged !== undefined);
    expect(i).toBeGreaterThan(0);
    expect(seen.slice(i + 1).map((x) => x.e.type)).toEqual(['end']);
    expect(seen.at(-1)!.e).toEqual({ type: 'end', status: 'diverged' });
  });
});

describe('the recorder schedule, as trainCell follows it', () => {
  it('records the union of every, histogramsEvery and the evaluations, with the weights copied before each', async () => {
    const take = vi.spyOn(WeightSnapshots.prototype, 'take');
    const c = config({ train: { steps: 12, evalEvery: 5 }, metrics: { every: 3, histogramsEvery: 4 } });
    const { dir, done } = train(c);
    await done;
    const records = lines<MetricRecord>(join(dir, 'metrics.ndjson'));
    expect(records.map((r) => r.step)).toEqual([0, 3, 4, 5, 6, 8, 9, 10, 12]);
    expect(records.filter((r) => r.testAcc !== undefined).map((r) => r.step)).toEqual([0, 5, 10, 12]);
    expect(lines<HistogramRecord>(join(dir, 'histograms.ndjson')).map((h) => h.step)).toEqual([0, 4, 8, 12]);
    // A copy before the update of step s - 1 for each recorded step s > 0, and no other.
    expect(take.mock.calls.map(([s]) => s)).toEqual([2, 3, 4, 5, 7, 8, 9, 11]);
    for (const r of records) {
      for (const l of r.layers) {
        if (r.step === 0) expect(l.updateRatio).toBe(0);
        else expect(l.updateRatio).toBeGreaterThan(0);
      }
    }
  });

  it('keeps the cadence with metrics off: step, epoch, loss and evaluations only, no copies', async () => {
    const take = vi.spyOn(WeightSnapshots.prototype, 'take');
    const { dir, done } = train(config({ train: { steps: 6, evalEvery: 4 }, metrics: { every: 3, histogramsEvery: 1, enabled: false } }));
    await done;
    const records = lines<MetricRecord>(join(dir, 'metrics.ndjson'));
    expect(records.map((r) => [r.step, r.layers.length])).toEqual([[0, 0], [3, 0], [4, 0], [6, 0]]);
    expect(take).not.toHaveBeenCalled();
  });
});

describe('how a run ends', () => {
  it('diverges cleanly: status, step and what in the summary, records only before that step', async () => {
    const { dir, done } = train(config({ model: { activation: 'relu', init: 'he_normal' }, train: { steps: 50, lr: 1e12 } }));
    const s = await done;
    expect(s.status).toBe('diverged');
    expect(s.diverged).toMatchObject({ what: 'loss' });
    expect(s.diverged!.step).toBeGreaterThanOrEqual(1);
    expect(s.steps).toBe(s.diverged!.step);
    expect(s.finalLoss).toBeNull();
    const records = lines<MetricRecord>(join(dir, 'metrics.ndjson'));
    expect(records[0].step).toBe(0);
    expect(records.at(-1)!.step).toBeLessThan(s.diverged!.step);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ status: 'diverged', diverged: s.diverged });
  });

  it('stops when asked, between steps, with status interrupted and the updates done so far', async () => {
    let polls = 0;
    const { done } = train(config({ train: { steps: 100 } }), { shouldStop: () => ++polls > 4 });
    const s = await done;
    expect(s).toMatchObject({ status: 'interrupted', steps: 4 });
  });

  it('trains to the end: N updates, the last evaluation in the summary, N + 1 batches read', async () => {
    const { dir, done } = train(config({ train: { steps: 23, batchSize: 32 } }));
    const s = await done;
    const last = lines<MetricRecord>(join(dir, 'metrics.ndjson')).at(-1)!;
    expect(s).toMatchObject({ status: 'ok', steps: 23, trainAcc: last.trainAcc, testAcc: last.testAcc, finalLoss: last.loss });
    // 128 training rows make 4 batches of 32 an epoch: batch 23 (the 24th) is in epoch 5.
    expect(s.epochs).toBe(5);
    expect(last).toMatchObject({ step: 23, epoch: 5 });
  });
});
