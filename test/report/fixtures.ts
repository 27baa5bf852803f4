/**
 * Fake run folders with realistic numbers, so the reports can be built and tested without the
 * trainer. Every folder follows DESIGN.md: config.json (resolved), metrics.ndjson,
 * histograms.ndjson (optional), summary.json; an experiment folder adds index.json.
 *
 * The shapes are made to be read at a glance:
 *   sigmoid  10 layers, ||dL/dW|| shrinks ~4x per layer toward the input (chi_1 = 1/16)
 *   diverged relu whose gradients grow toward the input, loss blows up, NaN at step 340 in layer 3
 *   prelu    learned slopes drift, some units die (deadUnits block) and a few revive
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { erf } from '../../src/net/activations.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import { writeSweepSummary } from '../../src/results/sweep.js';

export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
export const HOSTILE_DESCRIPTION = '</script><script>alert(2)</script> & "quoted" \'single\' <b>not bold</b>';

export interface FakeRunOptions {
  readonly name?: string;
  readonly description?: string;
  readonly activation?: 'sigmoid' | 'tanh' | 'relu' | 'prelu' | 'leaky_relu' | 'selu';
  readonly init?: string;
  readonly gain?: number;
  readonly depth?: number;
  readonly width?: number;
  readonly steps?: number;
  /** metrics.every */
  readonly every?: number;
  /** metrics.histogramsEvery; 0 writes no histograms.ndjson. */
  readonly histEvery?: number;
  readonly evalEvery?: number;
  /** ||dL/dW|| of layer l-1 over layer l at init (4 = shrinks 4x per layer toward the input). */
  readonly gradShrink?: number;
  /** Loss at the end as a share of the initial loss (1 = did not learn). */
  readonly learned?: number;
  /** NaN appears at this step in this layer and the run stops. */
  readonly divergeAt?: { readonly step: number; readonly layer: number };
  /** Units that die during training (deadFraction, deadUnits, revivedCount). */
  readonly dying?: boolean;
  /** Append half a line to metrics.ndjson, as a run still writing. */
  readonly partialLine?: boolean;
  /** Leave out summary.json (a killed run). */
  readonly noSummary?: boolean;
  /** Leave out the theory block. */
  readonly noTheory?: boolean;
  /** Every unit of hidden layer 0 dead at step 0: summary.bornDead, no vanishing index at step 0. */
  readonly bornDead?: boolean;
  readonly seed?: number;
}

const round = (x: number, digits = 6): number => Number(x.toPrecision(digits));

/** Share of N(mean, std) in [lo, hi). */
function normalMass(lo: number, hi: number, mean: number, std: number): number {
  const c = (x: number): number => 0.5 * (1 + erf((x - mean) / (std * Math.SQRT2)));
  return c(hi) - c(lo);
}

function histogram(lo: number, hi: number, bins: number, mean: number, std: number, total: number, rng: Rng) {
  const edges = Array.from({ length: bins + 1 }, (_, i) => round(lo + ((hi - lo) * i) / bins));
  const counts = edges.slice(0, -1).map((e, i) => Math.max(0, Math.round(total * normalMass(e, edges[i + 1], mean, std) * (1 + 0.05 * rng.normal()))));
  return {
    edges,
    counts,
    under: Math.round(total * normalMass(-Infinity, lo, mean, std)),
    over: Math.round(total * normalMass(hi, Infinity, mean, std)),
  };
}

export interface FakeRun {
  readonly dir: string;
  readonly depth: number;
  readonly records: number;
}

/** Writes one cell folder and returns what it wrote. */
export async function writeFakeRun(dir: string, o: FakeRunOptions = {}): Promise<FakeRun> {
  const activation = o.activation ?? 'sigmoid';
  const depth = o.depth ?? 10;
  const width = o.width ?? 64;
  const steps = o.steps ?? 2000;
  const every = o.every ?? 10;
  const histEvery = o.histEvery ?? 100;
  const evalEvery = o.evalEvery ?? 100;
  const shrink = o.gradShrink ?? (activation === 'sigmoid' ? 4 : activation === 'tanh' ? 1.3 : 1.05);
  const learned = o.learned ?? (activation === 'sigmoid' ? 0.9 : 0.3);
  const seed = o.seed ?? 0;
  const rng = createRng(seed).fork('fixture');
  const name = o.name ?? `deep-${activation}`;
  const lr = 0.1;
  await mkdir(dir, { recursive: true });

  const config = {
    name,
    description: o.description ?? `Fake ${depth}-layer ${activation} run for report tests.`,
    seed,
    data: { kind: 'spirals', classes: 3, samples: 3000, testFraction: 0.2, standardize: false, noise: 0.2, turns: 1.5 },
    model: {
      depth, width,
      activation: activation === 'prelu' ? { name: 'prelu', init: 0.25, perUnit: false } : { name: activation },
      init: { name: o.init ?? 'glorot_uniform', gain: o.gain ?? 1 },
      biasInit: { name: 'zeros', gain: 1 }, dtype: 'float32', kernel: 'auto', initFrom: null,
    },
    train: {
      steps, epochs: null, batchSize: 64, optimizer: { name: 'sgd' }, lr, loss: 'cross_entropy', shuffle: true,
      weightDecay: 0, clipNorm: null, evalEvery, saveWeights: [],
    },
    metrics: { every, probe: 512, histogramsEvery: histEvery, enabled: true },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));

  const loss0 = Math.log(3);
  const lines: string[] = [];
  const histLines: string[] = [];
  const deaths: { layer: number; unit: number; step: number }[] = [];
  const deadAt = new Map<string, number>();
  let revived = Array.from({ length: depth }, () => 0);
  const lastStep = o.divergeAt ? o.divergeAt.step : steps;
  let finalRecord: Record<string, unknown> | null = null;
  for (let step = 0; step <= lastStep; step += every) {
    const t = step / Math.max(1, steps);
    const diverging = o.divergeAt !== undefined;
    const blow = diverging ? Math.exp((8 * step) / o.divergeAt!.step) : 1;
    const isNaNStep = diverging && step >= o.divergeAt!.step;
    const loss = isNaNStep ? null : round((loss0 * (learned + (1 - learned) * Math.exp(-4 * t)) + 0.02 * rng.normal()) * blow);
    const layers = [];
    for (let l = 0; l <= depth; l++) {
      const toOut = depth - 1 - l;
      // shrink^(depth-1-l): the gradient fades toward the input; training narrows the gap a little.
      const g = 0.05 * Math.pow(shrink, -toOut * (1 - 0.15 * t)) * (1 + 0.08 * rng.normal()) * blow * (l === depth ? 3 : 1);
      const bad = isNaNStep && l <= o.divergeAt!.layer;
      const wNorm = Math.sqrt(width) * (1 + 0.1 * t);
      const mean = activation === 'sigmoid' ? 0.5 + 0.05 * Math.sin(l + 3 * t) : activation === 'tanh' ? 0.02 * l : 0.4;
      const std = activation === 'sigmoid' ? 0.2 / (1 + 0.15 * l) + 0.05 * t : 0.6 / (1 + 0.05 * l);
      let deadFraction = 0;
      if (o.dying && l < depth) {
        deadFraction = round(Math.min(0.5, 0.02 * (l + 1) * t * 4));
        const deadUnits = Math.round(deadFraction * width);
        for (let u = 0; u < deadUnits; u++) {
          const key = `${l}/${u}`;
          if (!deadAt.has(key)) {
            deadAt.set(key, step);
            deaths.push({ layer: l, unit: u, step });
          }
        }
        if (step > 0 && step % (every * 20) === 0) revived = revived.map((r, i) => (i === l ? r + 1 : r));
      }
      const rec: Record<string, number | null> = {
        layer: l,
        gradNorm: bad ? null : round(g),
        biasGradNorm: bad ? null : round(g * 0.3),
        deltaNorm: bad ? null : round(g * 2),
        weightNorm: round(wNorm),
        updateRatio: step === 0 ? 0 : bad ? null : round((lr * g) / wNorm),
        gradDataRatio: bad ? null : round(g / wNorm),
      };
      if (l < depth) {
        Object.assign(rec, {
          actMean: round(mean), actStd: round(std), actRms: round(Math.sqrt(mean * mean + std * std)),
          actMaxAbs: round(Math.abs(mean) + 3 * std), preactMean: round(0.01 * l), preactStd: round(1 + 0.1 * t),
          zeroFraction: activation === 'relu' ? 0.5 : 0, deadFraction,
          saturatedFraction: activation === 'sigmoid' ? round(0.05 + 0.2 * t * (l / depth)) : round(0.01 * t),
          revivedCount: revived[l],
        });
        if (activation === 'prelu') rec.preluSlope = round(0.25 + 0.1 * Math.sin(l) * t - 0.05 * t);
      }
      layers.push(rec);
    }
    const record: Record<string, unknown> = {
      step, epoch: Math.floor((step * 64) / 2400), loss,
      vanishing: round(-(depth - 1) * Math.log10(shrink) * (1 - 0.15 * t)),
      // deltaGrowth: fitted factor of deltaNorm^2 per layer toward the input (chi_1's convention).
      deltaGrowth: round(1 / (shrink * shrink)), actGrowth: round(activation === 'sigmoid' ? 1.01 : 1.1),
      layers,
    };
    if (step % evalEvery === 0 && loss !== null) {
      const acc = round(1 / 3 + (2 / 3) * (1 - learned) * (1 - Math.exp(-4 * t)), 4);
      Object.assign(record, { trainAcc: acc, testAcc: round(acc * 0.97, 4), trainLoss: round(loss * 0.98), testLoss: round(loss * 1.03) });
    }
    lines.push(JSON.stringify(record));
    finalRecord = record;
    if (histEvery > 0 && step % histEvery === 0) {
      const hl = [];
      for (let l = 0; l < depth; l++) {
        const lo = activation === 'sigmoid' ? 0 : activation === 'tanh' ? -1 : -1;
        const hi = activation === 'sigmoid' ? 1 : activation === 'tanh' ? 1 : 4;
        const m = layers[l].actMean ?? 0;
        const s = layers[l].actStd ?? 1;
        const total = 512 * width;
        hl.push({
          layer: l,
          a: histogram(lo, hi, 40, m, s, total, rng),
          z: histogram(-6, 6, 40, 0.01 * l, 1 + 0.1 * t, total, rng),
          dW: histogram(-0.01, 0.01, 40, 0, 0.002, width * width, rng),
          dz: histogram(-0.01, 0.01, 40, 0, 0.002, total, rng),
        });
      }
      histLines.push(JSON.stringify({ step, layers: hl }));
    }
  }
  let text = lines.join('\n') + '\n';
  if (o.partialLine) text += '{"step": 99999, "epoch": 1, "loss": 0.5, "layers": [{"layer": 0, "gradN';
  await writeFile(join(dir, 'metrics.ndjson'), text);
  if (histEvery > 0) await writeFile(join(dir, 'histograms.ndjson'), histLines.join('\n') + '\n');

  if (!o.noSummary) {
    const last = finalRecord as { loss: number | null; trainAcc?: number; testAcc?: number };
    const first = JSON.parse(lines[0]) as Record<string, unknown> & { layers: unknown[] };
    const initialLayers = first.layers as { actRms?: number }[];
    const finalLayers = (finalRecord as { layers: { actRms?: number }[] }).layers;
    const summary: Record<string, unknown> = {
      status: o.divergeAt ? 'diverged' : 'ok',
      steps: lastStep, epochs: Math.floor((lastStep * 64) / 2400),
      finalLoss: last.loss, trainAcc: last.trainAcc ?? null, testAcc: last.testAcc ?? null,
      trainLoss: last.loss, testLoss: last.loss, timeSec: round(lastStep / 850, 4), stepsPerSec: 850,
      params: depth * width * width, kernel: 'ts',
      // The shapes of src/metrics/recorder.ts RecorderSummary.
      initial: { step: 0, epoch: 0, loss: first.loss, vanishing: o.bornDead ? null : first.vanishing, deltaGrowth: first.deltaGrowth, actGrowth: first.actGrowth, deadUnits: 0, deadFraction: 0, layers: first.layers },
      final: { ...(finalRecord as Record<string, unknown>), deadUnits: deaths.length, deadFraction: deaths.length / (depth * width) },
      bornDead: o.bornDead ?? false,
      bornDeadLayers: o.bornDead ? [0] : [],
      measuredDeltaFactorAtInit: first.deltaGrowth,
      actRmsGrowthOverTime: finalLayers.map((l, i) => (l.actRms !== undefined && initialLayers[i]?.actRms ? round(l.actRms / initialLayers[i].actRms!) : null)),
      deadUnits: Array.from({ length: depth }, (_, l) => {
        const died = deaths.filter((d) => d.layer === l).length;
        return { layer: l, units: width, deadAtInit: o.dying && l === 0 ? 2 : 0, deadNow: died, everDead: died, died, revivals: revived[l], unitsRevived: revived[l], permanentlyDead: died };
      }),
      deadUnitEvents: [
        ...deaths.map((d) => ({ ...d, kind: 'died' })),
        ...revived.flatMap((n, l) => Array.from({ length: n }, (_, k) => ({ step: (k + 1) * every * 20, layer: l, unit: k, kind: 'revived' }))),
      ],
      deadUnitEventsDropped: 0,
    };
    if (o.divergeAt) summary.diverged = { step: o.divergeAt.step, layer: o.divergeAt.layer, what: 'gradient' };
    if (!o.noTheory) {
      const chi1 = round(1 / (shrink * shrink));
      summary.theory = activation === 'sigmoid' || activation === 'tanh'
        ? {
            applies: true, reasons: [], notes: [], activation, sigmaW2: 1, sigmaB2: 0, width, depth, qStar: 0.61, qGrowthFactor: null,
            chi1, predictedDeltaFactor: chi1, gradientDepthScale: round(1 / Math.abs(Math.log(chi1))), q0: 1,
            qPerLayer: Array.from({ length: depth }, () => 0.61), chi1PerLayer: Array.from({ length: depth }, () => chi1),
            trajectoryDeltaFactor: chi1, quadraturePoints: 160, measuredDeltaFactor: first.deltaGrowth, relativeError: 0,
          }
        : {
            applies: false, reasons: ['no finite fixed point q* for this activation and gain'], notes: [], activation,
            sigmaW2: 2, sigmaB2: 0, width, depth, qStar: null, qGrowthFactor: 1.1, chi1: 1.02, predictedDeltaFactor: 1.02,
            gradientDepthScale: null, q0: 1, qPerLayer: [], chi1PerLayer: [], trajectoryDeltaFactor: null, quadraturePoints: 160,
            measuredDeltaFactor: first.deltaGrowth, relativeError: null,
          };
    }
    await writeFile(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  }
  return { dir, depth, records: lines.length };
}

/** The deep-sigmoid run of the issue: 10 layers, gradients shrinking ~4x per layer toward the input. */
export const writeSigmoidRun = (dir: string, o: FakeRunOptions = {}): Promise<FakeRun> =>
  writeFakeRun(dir, { activation: 'sigmoid', depth: 10, gradShrink: 4, ...o });

export const writeDivergedRun = (dir: string, o: FakeRunOptions = {}): Promise<FakeRun> =>
  writeFakeRun(dir, { name: 'deep-relu-big-lr', activation: 'relu', depth: 6, steps: 1000, gradShrink: 0.8, divergeAt: { step: 340, layer: 3 }, ...o });

export const writePreluRun = (dir: string, o: FakeRunOptions = {}): Promise<FakeRun> =>
  writeFakeRun(dir, { name: 'prelu', activation: 'prelu', depth: 8, steps: 1500, dying: true, ...o });

export interface FakeSweep {
  readonly dir: string;
  readonly cells: readonly string[];
}

/** An experiment folder over activation x depth (small cells, no histograms). */
export async function writeSweep(dir: string, o: { name?: string; description?: string; hostileCell?: boolean } = {}): Promise<FakeSweep> {
  const name = o.name ?? 'activations-by-depth';
  const cells: { id: string; path: string; overrides: Record<string, unknown>; status: string }[] = [];
  for (const activation of ['sigmoid', 'tanh', 'relu'] as const) {
    for (const depth of [5, 10, 20]) {
      const id = `model.activation=${activation},model.depth=${depth}`;
      const path = `${activation}-d${depth}`;
      const diverge = activation === 'relu' && depth === 20;
      await writeFakeRun(join(dir, path), {
        name, description: o.description, activation, depth, width: 16, steps: 400, every: 20, histEvery: 0, evalEvery: 100,
        dying: activation === 'relu', ...(diverge ? { divergeAt: { step: 200, layer: 2 }, gradShrink: 0.7 } : {}),
      });
      cells.push({ id, path, overrides: { 'model.activation': activation, 'model.depth': depth }, status: diverge ? 'diverged' : 'ok' });
    }
  }
  if (o.hostileCell) {
    const path = 'hostile';
    await writeFakeRun(join(dir, path), { name, activation: 'tanh', depth: 5, width: 8, steps: 100, every: 20, histEvery: 0 });
    cells.push({ id: HOSTILE_NAME, path, overrides: { 'model.activation': HOSTILE_NAME, 'model.depth': 5 }, status: 'ok' });
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify({ experiment: name, cells }, null, 2));
  return { dir, cells: cells.map((c) => c.id) };
}

/** An experiment folder over two numeric axes, depth x init gain (the phase-diagram case), two seeds. */
export async function writePhaseSweep(dir: string): Promise<FakeSweep> {
  const name = 'tanh-phase';
  const cells: { id: string; path: string; overrides: Record<string, unknown>; status: string }[] = [];
  for (const depth of [4, 8, 16, 32]) {
    for (const gain of [0.5, 1, 1.5, 2, 3]) {
      for (const seed of [0, 1]) {
        // chi_1 of tanh ~ gain^2 * E[tanh'^2]: below 1 (ordered) gradients vanish, above 1 they explode.
        const chi = gain * gain * (gain <= 1 ? 0.9 : 0.45 + 0.2 / gain);
        const id = `model.depth=${depth},model.init.gain=${gain},seed=${seed}`;
        const path = `d${depth}-g${gain}-s${seed}`;
        const trainable = Math.abs(Math.log(chi)) * depth < 6;
        await writeFakeRun(join(dir, path), {
          name, activation: 'tanh', depth, width: 8, steps: 100, every: 50, histEvery: 0, evalEvery: 50, gain, seed,
          gradShrink: 1 / Math.sqrt(chi), learned: trainable ? 0.3 : 0.98,
        });
        cells.push({ id, path, overrides: { 'model.depth': depth, 'model.init.gain': gain, seed }, status: 'ok' });
      }
    }
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify({ experiment: name, cells }, null, 2));
  return { dir, cells: cells.map((c) => c.id) };
}

/** Seeds born dead (of SEED_COUNT) per depth and initializer in writeSeedSweep: more with depth. */
export const SEED_COUNT = 5;
export const BORN_DEAD: Readonly<Record<string, Readonly<Record<number, number>>>> = {
  he_normal: { 2: 0, 4: 1, 8: 3 },
  glorot_uniform: { 2: 0, 4: 2, 8: 4 },
};

/**
 * Narrow relu nets over depth [2, 4, 8] x init [he_normal, glorot_uniform], SEED_COUNT seeds
 * each, with the first BORN_DEAD[init][depth] seeds born dead (flat loss), and the
 * sweep-summary.json that `run` writes, made by the real aggregation (src/results/stats.ts).
 * Cell folders are named by their ids, as `run` names them.
 */
export async function writeSeedSweep(dir: string): Promise<FakeSweep> {
  const name = 'narrow-relu-seeds';
  const cells: { id: string; path: string; overrides: Record<string, unknown>; status: string; seed: number }[] = [];
  for (const depth of [2, 4, 8]) {
    for (const init of Object.keys(BORN_DEAD)) {
      for (let seed = 0; seed < SEED_COUNT; seed++) {
        const id = `model.depth=${depth},model.init=${init},seed=${seed}`;
        const bornDead = seed < BORN_DEAD[init][depth];
        await writeFakeRun(join(dir, id), {
          name, activation: 'relu', init, depth, width: 3, steps: 40, every: 20, histEvery: 0, evalEvery: 20, seed,
          bornDead, learned: bornDead ? 1 : 0.3 + 0.05 * depth,
        });
        cells.push({ id, path: id, overrides: { 'model.depth': depth, 'model.init': init, seed }, status: 'ok', seed });
      }
    }
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify({ experiment: name, cells: cells.map(({ seed: _seed, ...c }) => c) }, null, 2));
  writeSweepSummary(dir, name, cells);
  return { dir, cells: cells.map((c) => c.id) };
}
