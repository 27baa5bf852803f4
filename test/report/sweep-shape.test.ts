import { describe, expect, it } from 'vitest';
import type { RunData } from '../../src/report/read.js';
import { curveBudget, lineRows, quantile, smooth, trainingMetrics } from '../../src/report/sweep-rows.js';
import { MAX_LINES, groupOf, sweepShape, type ShapeCell } from '../../src/report/sweep-shape.js';
import { AXIS } from '../../src/report/text.js';

const cells = (rows: readonly Record<string, string | number>[]): ShapeCell[] =>
  rows.map((o) => ({ id: Object.entries(o).map(([k, v]) => `${k.split('.').pop()}=${v}`).join(','), overrides: o }));

const product = (axes: Record<string, readonly (string | number)[]>): Record<string, string | number>[] =>
  Object.entries(axes).reduce<Record<string, string | number>[]>(
    (acc, [k, vs]) => acc.flatMap((row) => vs.map((v) => ({ ...row, [k]: v }))),
    [{}],
  );

interface ShapeCase {
  readonly name: string;
  readonly cells: ShapeCell[];
  readonly colour: string | null;
  readonly panel: string | null;
  readonly x: string | null;
  readonly mode: 'cells' | 'seeds' | 'groups';
  readonly lines: number;
}

const SHAPES: readonly ShapeCase[] = [
  {
    name: 'activation',
    cells: cells(product({ 'model.activation': ['sigmoid', 'tanh', 'relu'] })),
    colour: 'model.activation', panel: null, x: 'model.activation', mode: 'cells', lines: 3,
  },
  {
    name: 'activation x depth',
    cells: cells(product({ 'model.activation': ['sigmoid', 'tanh'], 'model.depth': [5, 10, 20] })),
    colour: 'model.activation', panel: 'model.depth', x: 'model.depth', mode: 'cells', lines: 6,
  },
  {
    name: 'depth alone (numeric colour)',
    cells: cells(product({ 'model.depth': [20, 5, 10] })),
    colour: 'model.depth', panel: null, x: 'model.depth', mode: 'cells', lines: 3,
  },
  {
    name: 'activation with seeds',
    cells: cells(product({ 'model.activation': ['sigmoid', 'relu'], seed: [0, 1, 2] })),
    colour: 'model.activation', panel: null, x: 'model.activation', mode: 'seeds', lines: 2,
  },
  {
    name: 'a constant swept value and seeds only',
    cells: cells(product({ 'model.depth': [20], seed: [0, 1] })),
    colour: null, panel: null, x: null, mode: 'seeds', lines: 1,
  },
  {
    name: '100 cells',
    cells: cells(product({ 'model.activation': ['a', 'b', 'c', 'd', 'e'], 'model.depth': [4, 8, 12, 16], 'model.init.gain': [0.5, 1, 1.5, 2, 2.5] })),
    colour: 'model.activation', panel: 'model.depth', x: 'model.depth', mode: 'groups', lines: 20,
  },
];

describe.each(SHAPES)('the shape of a sweep over $name', (c) => {
  const shape = sweepShape(c.cells);

  it('gives colour, panels and x to the right axes, and never an axis with a single value', () => {
    expect(shape.colour?.key ?? null).toBe(c.colour);
    expect(shape.panel?.key ?? null).toBe(c.panel);
    expect(shape.x?.key ?? null).toBe(c.x);
    for (const a of shape.axes) expect(a.labels.length, a.key).toBeGreaterThanOrEqual(2);
    expect(shape.axes.map((a) => a.key)).not.toContain('seed');
  });

  it('draws the expected lines', () => {
    expect(shape.mode).toBe(c.mode);
    expect(new Set(shape.places.map((p) => `${p.panel}|${p.line}`)).size).toBe(c.lines);
    // Lines in one panel never exceed MAX_LINES.
    for (const panel of shape.panels) expect(new Set(shape.places.filter((p) => p.panel === panel).map((p) => p.line)).size).toBeLessThanOrEqual(MAX_LINES);
  });
});

describe('sweep shape details', () => {
  it('prints numbers as the config wrote them, in ascending order', () => {
    const shape = sweepShape(cells(product({ 'model.depth': [20, 5, 10], 'train.lr': [0.1, 0.001] })));
    expect(shape.axes.map((a) => a.labels)).toEqual([['5', '10', '20'], ['0.001', '0.1']]);
    expect(shape.places[0]).toMatchObject({ series: '20', panel: '0.1', x: '20' });
  });

  it('prefers model.depth for the x axis, and keeps categorical values in index order', () => {
    const shape = sweepShape(cells(product({ 'model.init.gain': [1, 2], 'model.depth': [4, 8], 'model.activation': ['tanh', 'relu'] })));
    expect(shape.x?.key).toBe('model.depth');
    expect(shape.colour?.labels).toEqual(['tanh', 'relu']);
    expect(shape.panel?.key).toBe('model.init.gain');
  });

  it('labels registry choices given as objects by name and parameters', () => {
    const shape = sweepShape([
      { id: 'a', overrides: { 'model.activation': { name: 'leaky_relu', slope: 0.2 } } },
      { id: 'b', overrides: { 'model.activation': 'relu' } },
    ]);
    expect(shape.series).toEqual(['leaky_relu (slope=0.2)', 'relu']);
  });

  it('names a group by the cell id without its seed', () => {
    expect(groupOf('activation=tanh,depth=10,seed=2')).toBe('activation=tanh,depth=10');
    expect(groupOf('seed=3')).toBe(AXIS.allCells);
    expect(groupOf('model.depth=8,model.init=he_normal,seed=0')).toBe('model.depth=8,model.init=he_normal');
  });

  it('keeps a title out of the chart when a swept key is not a plain config path', () => {
    const shape = sweepShape([{ id: 'a', overrides: { '<b>x</b>': 1 } }, { id: 'b', overrides: { '<b>x</b>': 2 } }]);
    expect(shape.colour?.title).toBe(AXIS.otherAxes);
  });
});

describe('rows of the line charts', () => {
  it('interpolates quantiles between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([7], 0.75)).toBe(7);
  });

  it('smooths as TensorBoard does: debiased, so the first point is the first value', () => {
    const out = smooth([{ x: 0, value: 2 }, { x: 1, value: NaN }, { x: 2, value: 4 }], 0.6);
    expect(out.map((p) => p.x)).toEqual([0, 2]);
    expect(out[0].value).toBe(2);
    // (0.6 * 0.4 * 2 + 0.4 * 4) / (1 - 0.6^2)
    expect(out[1].value).toBeCloseTo((0.24 * 2 + 0.4 * 4) / 0.64, 12);
  });

  it('draws one row per cell and x in cell mode, and the median with quartiles per group otherwise', () => {
    const seeds = sweepShape(cells(product({ 'model.activation': ['tanh'], seed: [0, 1, 2, 3] })));
    const points = [1, 2, 3, 10].map((v) => [{ fields: { metric: 'm' }, x: 0, value: v }]);
    const rows = lineRows(seeds, points, 'step');
    expect(rows).toEqual([{ line: 'activation=tanh', series: AXIS.allCells, panel: '', metric: 'm', step: 0, n: 4, value: 2.5, lo: 1.75, hi: 4.75 }]);
    const single = sweepShape(cells(product({ 'model.activation': ['tanh', 'relu'] })));
    expect(lineRows(single, [[{ fields: {}, x: 3, value: 5 }], []], 'layer')).toEqual([
      { line: 'activation=tanh', series: 'tanh', panel: '', layer: 3, n: 1, value: 5, lo: null, hi: null },
    ]);
  });

  it('gives fewer points to each line when a chart has many lines', () => {
    expect(curveBudget(3, 3)).toBe(120);
    expect(curveBudget(100, 3)).toBe(40);
    expect(curveBudget(1000, 3)).toBe(20);
  });

  it('draws the test loss and accuracy when recorded, else their evaluations on the training set', () => {
    const run = (r: Record<string, number>): RunData => ({
      dir: '', config: null, histograms: [], summary: null, partialLine: false, badLines: 0,
      records: [{ step: 0, epoch: 0, loss: 1, layers: [], ...r }],
    });
    expect(trainingMetrics([run({ testLoss: 1, testAcc: 0.5 })]).map((m) => m.label)).toEqual([AXIS.lossSmoothed, AXIS.testLoss, AXIS.testAcc]);
    expect(trainingMetrics([run({ trainLoss: 1, trainAcc: 0.5 })]).map((m) => m.label)).toEqual([AXIS.lossSmoothed, AXIS.evalLoss, AXIS.trainAccEval]);
    expect(trainingMetrics([run({})]).map((m) => m.label)).toEqual([AXIS.lossSmoothed]);
  });
});
