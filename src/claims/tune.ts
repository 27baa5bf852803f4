/**
 * The learning-rate tuning of the studies, run before (and apart from) the evaluation runs: every
 * arm of a study with a `tune` block is trained at every rate of its pre-registered log grid on
 * the tuning seeds (never evaluation seeds), and a rate is chosen by the study's rule:
 *
 *   loss      per arm, the rate with the lowest score = mean over tuning seeds of lossArea
 *             (effects.ts: mean chance-clipped recorded loss, diverged steps at chance);
 *             ties go to the smaller rate
 *   deadRise  one rate for every arm: the smallest whose `arm` dead share rises by at least
 *             `min` on every tuning seed; score = the smallest rise over the tuning seeds
 *
 * `runTuning` returns the choices; with `write` it records them (lr, and the score of every
 * grid rate) in the claims file. `npx tsx scripts/tune-claims.ts` runs it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lossArea } from './effects.js';
import { measureOf } from './checks/measures.js';
import { loadClaims } from './load.js';
import { fmtNum } from './predicates.js';
import { trainConfigs } from './runner.js';
import { readArm, type Cell } from './runs.js';
import type { Study, Tune } from './schema.js';
import { armConfig, readBase, tuneExperiment, writeConfigs } from './studies.js';
import { mean } from './stats.js';
import * as text from './text.js';

export interface TuneOptions {
  readonly out?: string;
  readonly only?: readonly string[];
  readonly workers?: number;
  readonly write?: boolean;
  readonly claimsFile?: string;
  readonly configsDir?: string;
  readonly log?: (line: string) => void;
}

export interface ArmChoice {
  readonly lr: number;
  /** Score per grid rate, in grid order; null when unmeasured on a tuning seed. */
  readonly tuning: readonly { readonly lr: number; readonly score: number | null }[];
}

const lrOf = (c: Cell): number => {
  const t = c.config.train;
  return typeof t === 'object' && t !== null && !Array.isArray(t) && typeof t.lr === 'number' ? t.lr : NaN;
};

/** Scores per rate of one arm's tuning cells, in grid order. */
function scores(cells: readonly Cell[], tune: Tune, score: (c: Cell) => number | null, agg: (xs: number[]) => number | null): ArmChoice['tuning'] {
  return tune.grid.map((lr) => {
    const vals = cells.filter((c) => lrOf(c) === lr).map(score);
    return { lr, score: vals.length === tune.seeds.length && vals.every((v): v is number => v !== null) ? agg(vals) : null };
  });
}

/** The rate of the smallest score (ties to the smaller rate). */
export function lowest(s: ArmChoice['tuning']): number {
  return s.reduce((best, x) => ((x.score ?? Infinity) < (best.score ?? Infinity) ? x : best), s[0]).lr;
}

/** The smallest rate whose score reaches `min`; without one, the rate of the largest score. */
export function firstReaching(s: ArmChoice['tuning'], min: number): number {
  return (s.find((x) => x.score !== null && x.score >= min) ?? s.reduce((best, x) => ((x.score ?? -Infinity) > (best.score ?? -Infinity) ? x : best), s[0])).lr;
}

/** The choices of one study from its tuning runs. */
export function choose(study: Study, tune: Tune, cellsByArm: ReadonlyMap<string, readonly Cell[]>): Record<string, ArmChoice> {
  const out: Record<string, ArmChoice> = {};
  if (tune.select.by === 'loss') {
    for (const [arm, cells] of cellsByArm) {
      const s = scores(cells, tune, lossArea, (xs) => mean(xs));
      out[arm] = { lr: lowest(s), tuning: s };
    }
    return out;
  }
  const sel = tune.select;
  const s = scores(cellsByArm.get(sel.arm) ?? [], tune, (c) => measureOf('deadRise', c).value, (xs) => Math.min(...xs));
  const lr = firstReaching(s, sel.min);
  for (const arm of Object.keys(study.arms)) out[arm] = { lr, tuning: arm === sel.arm ? s : [] };
  return out;
}

/** Runs the tuning of the selected studies; resolves to the choices by study and arm. */
export async function runTuning(o: TuneOptions = {}): Promise<Record<string, Record<string, ArmChoice>>> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const loaded = loadClaims(o.claimsFile, o.configsDir);
  const dir = resolve(o.out ?? 'results', 'claims-tuning');
  const tuned = Object.entries(loaded.data.studies).filter(([, s]) => s.tune !== null);
  const picked = tuned.filter(([name]) => !o.only?.length || o.only.includes(name));
  if (picked.length === 0) {
    log(text.noTuning(tuned.map(([n]) => n)));
    return {};
  }
  const result: Record<string, Record<string, ArmChoice>> = {};
  for (const [name, study] of picked) {
    const tune = study.tune!;
    const base = readBase(loaded.configsDir, study);
    const configs = Object.entries(study.arms).map(([arm, a]) => armConfig(base, study, a, { name: tuneExperiment(name, arm), seeds: tune.seeds, lrs: tune.grid }));
    const paths = writeConfigs(join(dir, 'configs'), configs);
    log(text.tuningStudy(name, configs.length * tune.grid.length * tune.seeds.length));
    await trainConfigs(paths, join(dir, 'runs'), { workers: o.workers ?? 2, reports: false, log: () => {} });
    const cells = new Map<string, readonly Cell[]>();
    for (const arm of Object.keys(study.arms)) {
      const runs = readArm({ ref: `${name}/${arm}`, study: name, arm, dir: join(dir, 'runs', tuneExperiment(name, arm)), lr: null });
      cells.set(arm, runs.cells);
    }
    result[name] = choose(study, tune, cells);
    for (const [arm, c] of Object.entries(result[name])) {
      log(text.tuningChoice(name, arm, c.lr, c.tuning.map((x) => `${x.lr}: ${fmtNum(x.score)}`).join(', ')));
    }
  }
  const out = join(dir, 'tuning.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(text.tuningWrote(out));
  if (o.write) {
    const raw = JSON.parse(readFileSync(loaded.file, 'utf8')) as { studies: Record<string, { arms: Record<string, Record<string, unknown>> }> };
    for (const [name, arms] of Object.entries(result)) {
      for (const [arm, c] of Object.entries(arms)) raw.studies[name].arms[arm] = { ...raw.studies[name].arms[arm], lr: c.lr, tuning: c.tuning };
    }
    writeFileSync(loaded.file, `${JSON.stringify(raw, null, 2)}\n`);
    log(text.tuningWrote(loaded.file));
  }
  return result;
}
