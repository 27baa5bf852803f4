/**
 * The sweep fixtures of fixtures.ts and, for each, the series every comparison chart must draw:
 * shared by the Node tests (scene graph of each spec) and the Chromium test (the page's
 * data-counts), so both check the same numbers.
 *
 *   line charts   line marks (one per drawn line and panel) and, for medians, band (area) marks
 *   heat maps     rect marks (one per cell panel)
 *   per cell      symbol items (one per cell and value), lines through the medians
 */
import { writeActivationSweep, writeBigSweep, writeSeedSweep, writeSweep, type FakeSweep } from './fixtures.js';

export interface Expected {
  readonly line?: number;
  readonly area?: number;
  readonly rect?: number;
  readonly symbolItems?: number;
}

export interface SweepFixture {
  readonly name: string;
  readonly write: (dir: string) => Promise<FakeSweep>;
  readonly cells: number;
  /** Chart ids in page order, each with its series (absent: not checked beyond "drawn"). */
  readonly charts: Readonly<Record<string, Expected>>;
}

export const SWEEP_FIXTURES: readonly SweepFixture[] = [
  {
    // 3 cells, one line each: sigmoid and tanh have a full theory block, relu's does not apply
    // and has no q_l (no weight-gradient prediction, a dotted ||dL/dz|| one).
    name: 'activation',
    write: writeActivationSweep,
    cells: 3,
    charts: {
      curves: { line: 3 * 3, area: 0 },
      'profile-grad': { line: 3 * 2 + 2, area: 0 },
      'profile-delta': { line: 3 * 2 + 3, area: 0 },
      heatmaps: { rect: 3 },
      'fractions-end': { line: 3 * 2 },
      'dead-over-time': { line: 3 },
      vanishing: { symbolItems: 3, line: 0 },
      blowup: { symbolItems: 3 * 3 },
    },
  },
  {
    // activation x depth: 3 colours, a panel per depth, 9 lines (relu at depth 20 diverges).
    name: 'activation x depth',
    write: (dir) => writeSweep(dir),
    cells: 9,
    charts: {
      curves: { line: 9 * 3, area: 0 },
      'profile-grad': { line: 9 * 2 + 6 },
      'profile-delta': { line: 9 * 2 + 9 },
      heatmaps: { rect: 9 },
      'fractions-end': { line: 9 * 2 },
      'dead-over-time': { line: 9 },
      vanishing: { symbolItems: 9, line: 3 },
      blowup: { symbolItems: 9 * 3 },
    },
  },
  {
    // depth x init x 5 seeds: colour init, a panel per depth, the median of 5 seeds per line.
    name: 'seeds',
    write: writeSeedSweep,
    cells: 30,
    charts: {
      curves: { line: 6 * 3, area: 6 * 3 },
      'profile-grad': { line: 6 * 2, area: 6 * 2 },
      'profile-delta': { line: 6 * 2 + 6, area: 6 * 2 },
      'fractions-end': { line: 6 * 2 },
      'dead-over-time': { line: 6 },
      vanishing: { symbolItems: 30, line: 2 },
      blowup: { symbolItems: 30 * 3 },
      'seeds-proportion': {},
      'seeds-loss': {},
    },
  },
  {
    // 100 cells: 25 would share a panel, so a median per (activation, depth): 20 lines.
    name: '100 cells',
    write: writeBigSweep,
    cells: 100,
    charts: {
      curves: { line: 20 * 3, area: 20 * 3 },
      'profile-grad': { line: 20 * 2 + 8, area: 20 * 2 },
      'profile-delta': { line: 20 * 2 + 20, area: 20 * 2 },
      'fractions-end': { line: 20 * 2, area: 20 * 2 },
      'dead-over-time': { line: 20, area: 20 },
      vanishing: { symbolItems: 100, line: 5 },
      blowup: { symbolItems: 300 },
      'phase-trainability': {},
      'phase-gradient': {},
    },
  },
];
