/**
 * One reader per file: a good file gives the typed shape, a missing one null (or no records), a
 * truncated one a clear error (or, for the streams, everything up to the incomplete last line),
 * and wrong types either a clear error naming the file or the documented defaults.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellState, clearCellFiles } from '../../src/results/cell-state.js';
import {
  readIndexFile, readRunIndex, readShardIndex, readSweepSummary, RUN_INDEX_SHAPE, SHARD_INDEX_SHAPE,
} from '../../src/results/read-index.js';
import { readRun } from '../../src/results/read-run.js';
import { readSummary, toSummary } from '../../src/results/read-summary.js';
import { orNull, parseNdjson, readConfig, readHistograms, readMetrics, ResultsFileError } from '../../src/results/read.js';
import { jsonHash } from '../../src/config/expand.js';

const root = mkdtempSync(join(tmpdir(), 'gradflow-read-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh folder holding `files` (name -> text). */
function folder(files: Record<string, string> = {}): string {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const layer = (l: number) => ({ layer: l, gradNorm: 0.5, biasGradNorm: 0.1, deltaNorm: 0.2, weightNorm: 3, updateRatio: 0, actRms: 0.7 });
const point = { step: 0, epoch: 0, loss: 1.1, vanishing: -1.5, deltaGrowth: 0.3, actGrowth: 1, deadUnits: 0, deadFraction: 0, layers: [layer(0), layer(1)] };
const SUMMARY = {
  status: 'ok', steps: 10, epochs: 1, finalLoss: 0.9, trainAcc: 0.5, testAcc: 0.4, trainLoss: 0.95, testLoss: 1.0,
  timeSec: 0.2, stepsPerSec: 50, params: 100, kernel: 'ts', loss: 'cross_entropy', task: 'classification',
  initial: point, final: { ...point, step: 10 }, bornDead: false, bornDeadLayers: [], measuredDeltaFactorAtInit: 0.3,
  actRmsGrowthOverTime: [1.2, null], deadUnitEvents: [{ step: 10, layer: 0, unit: 3, kind: 'died' }], deadUnitEventsDropped: 0,
  deadUnits: [{ layer: 0, units: 8, deadAtInit: 1, deadNow: 1, everDead: 1, died: 0, revivals: 0, unitsRevived: 0, permanentlyDead: 1 }],
  theory: {
    applies: true, reasons: [], notes: [], activation: 'tanh', sigmaW2: 1, sigmaB2: 0, width: 8, depth: 1, qStar: 0.6,
    qGrowthFactor: null, chi1: 0.9, predictedDeltaFactor: 0.9, gradientDepthScale: 9.5, q0: 1, qPerLayer: [1],
    chi1PerLayer: [0.9], trajectoryDeltaFactor: 0.9, quadraturePoints: 160, measuredDeltaFactor: 0.3, relativeError: -0.66,
  },
};

describe('readSummary', () => {
  it('reads a good file into the closed Summary, keeping every block the recorder wrote', () => {
    const s = readSummary(folder({ 'summary.json': JSON.stringify(SUMMARY) }))!;
    expect(s).toEqual(SUMMARY);
  });

  it('gives null for a missing file', () => {
    expect(readSummary(folder())).toBeNull();
  });

  it('throws a clear error for a truncated file', () => {
    const d = folder({ 'summary.json': JSON.stringify(SUMMARY).slice(0, 40) });
    expect(() => readSummary(d)).toThrow(ResultsFileError);
    expect(() => readSummary(d)).toThrow(new RegExp(`^${join(d, 'summary.json')}: cannot read: not valid JSON`));
  });

  it('throws a clear error for a file that is not an object', () => {
    const d = folder({ 'summary.json': '[1, 2]' });
    expect(() => readSummary(d)).toThrow(`${join(d, 'summary.json')}: cannot read: expected a JSON object {"status", "steps", ...}`);
  });

  it('reads fields of the wrong type as absent: NaN, null, an unknown status as failed or activation as null, blocks left out', () => {
    const s = toSummary({ status: 'exploded', steps: '10', finalLoss: 'low', kernel: 3, initial: 'x', theory: { activation: 'nope', sigmaW2: 'one' }, deadUnitEvents: [{ bogus: true }] })!;
    expect(s.status).toBe('failed');
    expect(s.steps).toBeNaN();
    expect(s.finalLoss).toBeNull();
    expect(s.kernel).toBe('');
    expect(s.initial).toBeUndefined();
    expect(s.theory).toMatchObject({ activation: null, applies: true, reasons: [], chi1: null, sigmaW2: NaN });
    expect(s.deadUnitEvents).toEqual([]);
    expect(s.final).toBeUndefined();
  });

  it('reads the nulls JSON writes for non-finite layer values as NaN', () => {
    const s = toSummary({ ...SUMMARY, initial: { ...point, layers: [{ layer: 0, gradNorm: null }] } })!;
    expect(s.initial!.layers[0].gradNorm).toBeNaN();
    expect(s.initial!.layers[0].actRms).toBeUndefined();
  });

  it('keeps no field the contract does not name', () => {
    expect(Object.keys(toSummary({ ...SUMMARY, surprise: 1 })!)).not.toContain('surprise');
  });
});

describe('readMetrics and readHistograms', () => {
  const line = (step: number) => JSON.stringify({ step, epoch: 0, loss: 1, layers: [layer(0)] });

  it('reads every complete line, by step', () => {
    const m = readMetrics(folder({ 'metrics.ndjson': [line(10), line(0)].join('\n') + '\n' }));
    expect(m.records.map((r) => r.step)).toEqual([0, 10]);
    expect(m.records[0].layers[0]).toEqual(layer(0));
    expect(m).toMatchObject({ partialLine: false, badLines: 0 });
  });

  it('gives no records for a missing file', () => {
    expect(readMetrics(folder())).toEqual({ records: [], partialLine: false, badLines: 0 });
    expect(readHistograms(folder())).toEqual([]);
  });

  it('skips an incomplete last line and says so', () => {
    const m = readMetrics(folder({ 'metrics.ndjson': `${line(0)}\n${line(1).slice(0, 20)}` }));
    expect(m.records.map((r) => r.step)).toEqual([0]);
    expect(m.partialLine).toBe(true);
  });

  it('counts complete lines that are not JSON or not a record', () => {
    const m = readMetrics(folder({ 'metrics.ndjson': `${line(0)}\nnot json\n{"step": "1", "layers": []}\n` }));
    expect(m.records).toHaveLength(1);
    expect(m.badLines).toBe(2);
  });

  it('keeps the layers whose four histograms are well formed', () => {
    const h = { edges: [0, 1, 2], counts: [3, 4] };
    const good = { layer: 0, z: h, a: h, dW: h, dz: { ...h, under: 2 } };
    const text = `${JSON.stringify({ step: 0, layers: [good, { ...good, layer: 1, a: { edges: [0], counts: [1] } }] })}\n{"step": 1, "lay`;
    const hs = readHistograms(folder({ 'histograms.ndjson': text }));
    expect(hs).toEqual([{ step: 0, layers: [good] }]);
  });

  it('parseNdjson reads only the text up to the last newline', () => {
    expect(parseNdjson('{"a":1}\n{"a":2')).toEqual({ items: [{ a: 1 }], partial: true, bad: 0 });
  });
});

describe('readConfig', () => {
  it('reads an object, null when missing, and throws for anything else', () => {
    expect(readConfig(folder({ 'config.json': '{"name": "x"}' }))).toEqual({ name: 'x' });
    expect(readConfig(folder())).toBeNull();
    const bad = folder({ 'config.json': '"x"' });
    expect(() => readConfig(bad)).toThrow(`${join(bad, 'config.json')}: cannot read: expected a JSON object (the resolved config)`);
    expect(orNull(() => readConfig(folder({ 'config.json': '{"na' })))).toBeNull();
  });
});

describe('readRunIndex and readShardIndex', () => {
  const index = { experiment: 'e', cells: [{ id: 'a', path: 'a', overrides: { seed: 1 }, status: 'ok' }, { id: 'b', overrides: {}, status: 'running' }] };
  const shard = {
    ...index, shard: { index: 1, count: 2, source: '--shard 1/2' },
    plan: [{ id: 'a', overrides: { seed: 1 }, configHash: 'h', cost: 10, shard: 1 }],
  };

  it('reads a good index, the path defaulting to the id', () => {
    expect(readRunIndex(folder({ 'index.json': JSON.stringify(index) }))).toEqual({
      experiment: 'e',
      cells: [{ id: 'a', path: 'a', overrides: { seed: 1 }, status: 'ok' }, { id: 'b', path: 'b', overrides: {}, status: 'running' }],
    });
  });

  it('gives null for a missing index and throws for a truncated one or wrong types', () => {
    expect(readRunIndex(folder())).toBeNull();
    const cut = folder({ 'index.json': JSON.stringify(index).slice(0, 30) });
    expect(() => readRunIndex(cut)).toThrow(/cannot read: not valid JSON/);
    const wrong = folder({ 'index.json': JSON.stringify({ experiment: 'e', cells: [{ id: 3 }] }) });
    expect(() => readIndexFile(join(wrong, 'index.json'))).toThrow(`${join(wrong, 'index.json')}: cannot read: ${RUN_INDEX_SHAPE}`);
  });

  it('reads a shard index with its plan, and names the expected shape when it is wrong', () => {
    const d = folder({ 'index.shard-1-of-2.json': JSON.stringify(shard), 'bad.json': JSON.stringify({ ...shard, plan: [{ id: 'a' }] }) });
    expect(readShardIndex(join(d, 'index.shard-1-of-2.json'))).toEqual({ ...shard, cells: readRunIndex(folder({ 'index.json': JSON.stringify(index) }))!.cells });
    expect(() => readShardIndex(join(d, 'bad.json'))).toThrow(`cannot read: ${SHARD_INDEX_SHAPE}`);
    expect(readShardIndex(join(d, 'none.json'))).toBeNull();
  });
});

describe('readSweepSummary', () => {
  it('gives null when missing and throws when truncated or without groups', () => {
    expect(readSweepSummary(folder())).toBeNull();
    expect(() => readSweepSummary(folder({ 'sweep-summary.json': '{"groups": ' }))).toThrow(ResultsFileError);
    expect(() => readSweepSummary(folder({ 'sweep-summary.json': '{"groups": {}}' }))).toThrow(/expected \{"experiment", "groups": \[\.\.\.\]\}/);
  });
});

describe('readRun', () => {
  it('reads what there is and never throws for a broken file', () => {
    const d = folder({ 'summary.json': '{"sta', 'config.json': '[]', 'metrics.ndjson': `${JSON.stringify({ step: 0, layers: [] })}\n` });
    const run = readRun(d);
    expect(run.summary).toBeNull();
    expect(run.config).toBeNull();
    expect(run.records).toHaveLength(1);
  });
});

describe('cellState', () => {
  const config = { name: 'x', seed: 1 };
  const cell = (summary: object | string | null) =>
    folder({ 'config.json': JSON.stringify(config), ...(summary === null ? {} : { 'summary.json': typeof summary === 'string' ? summary : JSON.stringify(summary) }) });

  it('is finished for ok or diverged with the same config hash', () => {
    expect(cellState(cell(SUMMARY), jsonHash(config))).toMatchObject({ kind: 'finished', status: 'ok' });
    expect(cellState(cell({ ...SUMMARY, status: 'diverged' }), null)).toMatchObject({ kind: 'finished', status: 'diverged' });
  });

  it('tells absent, unfinished, unreadable and changed cells apart', () => {
    expect(cellState(cell(null), null)).toEqual({ kind: 'absent' });
    expect(cellState(cell({ ...SUMMARY, status: 'interrupted' }), null)).toEqual({ kind: 'unfinished', status: 'interrupted' });
    expect(cellState(cell('{"status": "o'), null)).toEqual({ kind: 'unfinished', status: 'unreadable' });
    expect(cellState(cell(SUMMARY), 'another')).toEqual({ kind: 'changed', status: 'ok', hash: jsonHash(config) });
  });

  it('clears only the files gradflow writes', () => {
    const d = folder({ 'summary.json': '{}', 'weights-step5.safetensors': '', '.summary.json.1.0.1.tmp': '', 'notes.txt': 'mine' });
    clearCellFiles(d);
    expect(readRun(d).summary).toBeNull();
    expect(orNull(() => readConfig(d))).toBeNull();
    expect(readdirSync(d)).toEqual(['notes.txt']);
  });
});
