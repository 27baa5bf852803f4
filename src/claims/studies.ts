/**
 * A study is a base config (experiments/configs/claim-*.json) and its arms; every arm becomes one
 * generated config: the base, the arm's `set` paths, its learning rate and the seeds to run,
 * named `<study>.<arm>` (`<study>.<arm>.tune` for the tuning runs). The generated files are
 * written next to the runs (`<out>/claims/configs/`) and trained by the ordinary run machinery,
 * so every run's config.json says exactly what ran.
 *
 *   evaluation seeds of every arm: seedBase + 0 .. study.seeds - 1
 *   tuning runs: sweep train.lr over the grid, seeds study.tune.seeds (never evaluation seeds)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setAt } from '../config/paths.js';
import type { Arm, Study } from './schema.js';

/** The name of an arm's experiment (and folder): `<study>.<arm>`. */
export const armExperiment = (study: string, arm: string): string => `${study}.${arm}`;
export const tuneExperiment = (study: string, arm: string): string => `${study}.${arm}.tune`;

/** The evaluation seeds of a study under a seed base. */
export function evaluationSeeds(study: Pick<Study, 'seeds'>, seedBase: number): number[] {
  return Array.from({ length: study.seeds }, (_, i) => seedBase + i);
}

/** Applies `set` (dotted config paths -> values) to a config object; throws naming a path that cannot be set. */
export function applyArm(base: Readonly<Record<string, unknown>>, set: Readonly<Record<string, unknown>>): Record<string, unknown> {
  let out: Record<string, unknown> = { ...base };
  for (const [path, value] of Object.entries(set)) {
    // "sweep" is set whole: its keys are config paths themselves.
    const r = setAt(out, path === 'sweep' ? ['sweep'] : path.split('.'), value);
    if (!r.ok) throw new Error(`arm set "${path}": ${r.at.join('.')} is ${JSON.stringify(r.found)}, not an object`);
    out = r.value;
  }
  return out;
}

/** The config object an arm runs: base + set + lr + seeds, under its experiment name. */
export function armConfig(
  base: Readonly<Record<string, unknown>>,
  study: Pick<Study, 'description'>,
  arm: Arm,
  o: { readonly name: string; readonly seeds: readonly number[]; readonly lrs?: readonly number[] },
): Record<string, unknown> {
  const { $schema: _schema, seeds: _seeds, ...rest } = base;
  let cfg = applyArm({ ...rest, name: o.name, description: study.description, seed: o.seeds[0] }, arm.set);
  cfg = { ...cfg, seeds: [...o.seeds] };
  const train = typeof cfg.train === 'object' && cfg.train !== null ? (cfg.train as Record<string, unknown>) : {};
  if (o.lrs !== undefined) {
    const sweep = typeof cfg.sweep === 'object' && cfg.sweep !== null ? (cfg.sweep as Record<string, unknown>) : {};
    cfg = { ...cfg, sweep: { ...sweep, 'train.lr': [...o.lrs] } };
  } else if (arm.lr !== undefined) {
    cfg = { ...cfg, train: { ...train, lr: arm.lr } };
  }
  return cfg;
}

/** Reads a study's base config as a plain object. */
export function readBase(configsDir: string, study: Pick<Study, 'config'>): Record<string, unknown> {
  return JSON.parse(readFileSync(join(configsDir, study.config), 'utf8')) as Record<string, unknown>;
}

/** Writes generated configs into `dir`; returns their paths in order. */
export function writeConfigs(dir: string, configs: readonly Record<string, unknown>[]): string[] {
  mkdirSync(dir, { recursive: true });
  return configs.map((c) => {
    const path = join(dir, `${String(c.name)}.json`);
    writeFileSync(path, `${JSON.stringify(c, null, 2)}\n`);
    return path;
  });
}
