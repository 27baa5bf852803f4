/**
 * The live charts as data: each compiles without warnings, starts empty, and draws what the page
 * script inserts into its named data set (here in a headless Vega view, the way the page does it).
 */
import * as vega from 'vega';
import { describe, expect, it } from 'vitest';
import { compileSpec, countMarks, type MarkCounts } from '../../src/report/render.js';

/** Items drawn by every mark of a scene. */
const totalItems = (counts: MarkCounts): number => Object.values(counts).reduce((s, c) => s + c.items, 0);
import { LIVE_DATA, LOSS_SERIES, liveCharts, type LiveData } from '../../src/watch/specs.js';

const rows: Record<LiveData, Record<string, unknown>[]> = {
  [LIVE_DATA.loss]: [
    { step: 0, value: 1.1, series: LOSS_SERIES.batch },
    { step: 10, value: 0.9, series: LOSS_SERIES.batch },
    { step: 10, value: 0.95, series: LOSS_SERIES.test },
  ],
  [LIVE_DATA.layers]: [0, 10].flatMap((step) => [0, 1, 2].map((layer) => ({ step, layer, gradNorm: layer === 2 && step === 10 ? null : 0.1 * (layer + 1), actStd: 0.5 }))),
};

describe.each(liveCharts())('live chart $id', ({ spec, data }) => {
  it('compiles without warnings and reads the named data set', () => {
    const { vega: vg, warnings } = compileSpec(spec);
    expect(warnings).toEqual([]);
    expect((vg.data ?? []).map((d) => d.name)).toContain(data);
  });

  it('draws nothing before the first rows, then one item per point inserted', async () => {
    const view = new vega.View(vega.parse(compileSpec(spec).vega), { renderer: 'none' });
    await view.runAsync();
    expect(view.data(data)).toHaveLength(0);
    const before = totalItems(countMarks(view));
    view.change(data, vega.changeset().insert(rows[data]));
    await view.runAsync();
    expect(view.data(data)).toHaveLength(rows[data].length);
    expect(totalItems(countMarks(view))).toBeGreaterThan(before);
  });
});
