/**
 * Training the arms the selected claims read: for each study, one generated config per arm
 * (studies.ts), trained through the ordinary run machinery (`prepare` + `runPrepared`, cells in
 * parallel on worker threads), one study at a time so that only one study's data sets are held
 * in memory; then every arm's cells read back from disk (runs.ts).
 */
import { join, resolve } from 'node:path';
import * as msg from '../messages.js';
import { writeReports } from '../report/write.js';
import { prepare, runPrepared, type RunOutcome } from '../train/run.js';
import { readArm, type ArmRuns } from './runs.js';
import type { ClaimsFile } from './schema.js';
import { armConfig, armExperiment, evaluationSeeds, readBase, writeConfigs } from './studies.js';
import * as text from './text.js';

export interface TrainOptions {
  /** `<out>/claims`: configs go to `configs/`, runs to `runs/`. */
  readonly dir: string;
  readonly configsDir: string;
  readonly workers: number;
  readonly seedBase: number;
  /** Write each run's and arm's report.html. */
  readonly reports: boolean;
  readonly log: (line: string) => void;
  /** Stops the training (SIGINT, SIGTERM): the study under way stops cleanly and no later one starts. */
  readonly abort?: AbortSignal;
}

/** Trains configs (absolute paths) into `runsDir`, with their reports when asked; resolves to the overall outcome. */
export async function trainConfigs(
  paths: readonly string[],
  runsDir: string,
  o: Pick<TrainOptions, 'workers' | 'reports' | 'log' | 'abort'> & { readonly announce?: (cells: number) => void },
): Promise<RunOutcome> {
  const experiments = prepare(paths, { out: runsDir, set: [], workers: o.workers });
  o.announce?.(experiments.reduce((n, e) => n + e.cells.length, 0));
  const result = await runPrepared(experiments, { out: runsDir, set: [], quiet: true, reports: o.reports, log: o.log, workers: o.workers, abort: o.abort });
  if (o.reports) await writeReports(result, (dir, err) => o.log(msg.reportFailed(dir, err)));
  return result.outcome;
}

/**
 * Trains the arms `refs` (`<study>/<arm>`) on the evaluation seeds and reads them back, by ref;
 * null when the run was interrupted (SIGINT, SIGTERM): no study after it trains.
 */
export async function trainArms(data: ClaimsFile, refs: readonly string[], o: TrainOptions): Promise<Map<string, ArmRuns> | null> {
  const runsDir = resolve(o.dir, 'runs');
  const byStudy = new Map<string, string[]>();
  for (const ref of refs) {
    const [study, arm] = ref.split('/');
    byStudy.set(study, [...(byStudy.get(study) ?? []), arm]);
  }
  const out = new Map<string, ArmRuns>();
  for (const [name, arms] of byStudy) {
    if (o.abort?.aborted === true) return null;
    const study = data.studies[name];
    const base = readBase(o.configsDir, study);
    const seeds = evaluationSeeds(study, o.seedBase);
    const configs = arms.map((a) => armConfig(base, study, study.arms[a], { name: armExperiment(name, a), seeds }));
    const paths = writeConfigs(join(o.dir, 'configs'), configs);
    const outcome = await trainConfigs(paths, runsDir, { ...o, announce: (cells) => o.log(text.trainingStudy(name, arms.length, cells, o.workers)) });
    if (outcome === 'interrupted') return null;
    for (const a of arms) {
      const runs = readArm({ ref: `${name}/${a}`, study: name, arm: a, dir: join(runsDir, armExperiment(name, a)), lr: null });
      out.set(`${name}/${a}`, { ...runs, lr: study.gate === null ? null : lrOf(runs.cells[0]?.config ?? {}) });
    }
  }
  return out;
}

/** train.lr of a config, or null. */
function lrOf(config: Readonly<Record<string, unknown>>): number | null {
  const t = config.train;
  return typeof t === 'object' && t !== null && 'lr' in t && typeof t.lr === 'number' ? t.lr : null;
}
