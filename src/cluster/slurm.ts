/**
 * `gradflow submit slurm`: a sharded sweep as a Slurm job array and a dependent merge job.
 *
 *   <out>/<name>/slurm/<name>.json   the pinned config (src/cluster/pin.ts)
 *   <out>/<name>/slurm/array.sbatch  N tasks, task i runs `gradflow run <pinned> --shard auto` (shard i of N)
 *   <out>/<name>/slurm/merge.sbatch  `gradflow merge <out>/<name>`, submitted with --dependency=afterok:<array>
 *   <out>/<name>/slurm/logs/         one log per task (%x_%A_%a.out) and the merge's (%x_%j.out)
 *
 * Both scripts pin what they run: the config file and its sha256 (a task refuses to start, exit
 * 2, when the file changed), the checkout (`bin/gradflow.mjs` of this repository) and the Node
 * binary (`process.execPath`), so a task that starts an hour later runs the same thing.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as msg from '../messages.js';
import { writeFileAtomic } from '../results/write.js';
import { shellQuote } from './shell.js';

export interface SlurmJob {
  /** The experiment's name. */
  readonly name: string;
  readonly shards: number;
  readonly partition: string | null;
  readonly time: string | null;
  readonly cpusPerTask: number;
  /** Write report.html files (off: `--no-report` on both the tasks and the merge). */
  readonly reports: boolean;
  /** Results folder, absolute: cells go to `<out>/<name>/<cell>`. */
  readonly out: string;
  /** The folder of the scripts, absolute: `<out>/<name>/slurm`. */
  readonly dir: string;
  /** The pinned config file (absolute) and the sha256 of its bytes. */
  readonly config: string;
  readonly configSha256: string;
  /** The gradflow checkout (holding bin/gradflow.mjs) and the Node binary, absolute. */
  readonly repo: string;
  readonly node: string;
}

/** Variables that would change which shard a task runs; the submitting shell's are not passed on. */
const SHARD_VARS = /^(GRADFLOW_SHARD_INDEX|GRADFLOW_SHARD_COUNT|JOB_COMPLETION_INDEX|JOB_COMPLETIONS)$/;

function header(lines: readonly (string | null)[]): string {
  return lines.filter((l): l is string => l !== null).join('\n');
}

/** The checks both scripts run before anything else: the pinned Node, checkout and config. */
function prelude(job: SlurmJob): string {
  const t = msg.slurmScriptText;
  return `set -euo pipefail

# Pinned by gradflow submit slurm: the config file and its sha256, the checkout, Node.
CONFIG=${shellQuote(job.config)}
CONFIG_SHA256=${job.configSha256}
REPO=${shellQuote(job.repo)}
NODE=${shellQuote(job.node)}
OUT=${shellQuote(job.out)}

refuse() { echo "gradflow: $*" >&2; exit 2; }
[ -x "$NODE" ] || refuse "${t.noNode}"
[ -f "$REPO/bin/gradflow.mjs" ] || refuse "${t.noRepo}"
actual="$(sha256sum "$CONFIG" | cut -d' ' -f1)" || refuse "${t.unreadable}"
[ "$actual" = "$CONFIG_SHA256" ] || refuse "${t.changed}"
cd "$OUT"
`;
}

/** array.sbatch: task i of 1..N runs shard i of N. */
export function arrayScript(job: SlurmJob): string {
  const report = job.reports ? '' : ' --no-report';
  return `${header([
    '#!/bin/bash',
    `# gradflow: experiment ${job.name}, shard $SLURM_ARRAY_TASK_ID of ${job.shards} (gradflow run --shard auto).`,
    `#SBATCH --job-name=gradflow-${job.name}`,
    `#SBATCH --array=1-${job.shards}`,
    `#SBATCH --cpus-per-task=${job.cpusPerTask}`,
    job.time === null ? null : `#SBATCH --time=${job.time}`,
    job.partition === null ? null : `#SBATCH --partition=${job.partition}`,
    `#SBATCH --output=${join(job.dir, 'logs')}/%x_%A_%a.out`,
  ])}
${prelude(job)}
# The count is pinned too: --shard auto checks it against SLURM_ARRAY_TASK_COUNT.
export GRADFLOW_SHARD_COUNT=${job.shards}
exec "$NODE" "$REPO/bin/gradflow.mjs" run "$CONFIG" --out "$OUT" --shard auto --workers "\${SLURM_CPUS_PER_TASK:-1}"${report}
`;
}

/** merge.sbatch: merges the shards in place once the array succeeded (the dependency is given at submission). */
export function mergeScript(job: SlurmJob): string {
  const report = job.reports ? '' : ' --no-report';
  return `${header([
    '#!/bin/bash',
    `# gradflow: merge the ${job.shards} shards of experiment ${job.name} (submitted with --dependency=afterok:<array job>).`,
    `#SBATCH --job-name=gradflow-${job.name}-merge`,
    '#SBATCH --cpus-per-task=1',
    job.time === null ? null : `#SBATCH --time=${job.time}`,
    job.partition === null ? null : `#SBATCH --partition=${job.partition}`,
    '#SBATCH --kill-on-invalid-dep=yes',
    `#SBATCH --output=${join(job.dir, 'logs')}/%x_%j.out`,
  ])}
${prelude(job)}
exec "$NODE" "$REPO/bin/gradflow.mjs" merge "$OUT"/${shellQuote(job.name)} --out "$OUT"${report}
`;
}

/** Whether `cmd` is an executable file in one of the PATH folders. */
export function onPath(cmd: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface WrittenSlurm {
  readonly array: string;
  readonly merge: string;
  readonly logs: string;
}

/** Writes both scripts (executable) and creates the log folder; the pinned config is written by the caller. */
export function writeSlurmScripts(job: SlurmJob): WrittenSlurm {
  const logs = join(job.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const array = join(job.dir, 'array.sbatch');
  const merge = join(job.dir, 'merge.sbatch');
  writeFileAtomic(array, arrayScript(job));
  writeFileAtomic(merge, mergeScript(job));
  return { array, merge, logs };
}

export class SubmitError extends Error {
  override readonly name = 'SubmitError';
}

/** `sbatch --parsable [args] script` -> the job id (the part before `;cluster`); throws SubmitError. */
function sbatch(script: string, args: readonly string[]): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SHARD_VARS.test(k)) env[k] = v;
  const r = spawnSync('sbatch', ['--parsable', ...args, script], { encoding: 'utf8', env, timeout: 120_000 });
  if (r.error) throw new SubmitError(msg.submitSbatchFailed(script, null, r.error.message));
  if (r.status !== 0) throw new SubmitError(msg.submitSbatchFailed(script, r.status, r.stderr || r.stdout));
  const id = r.stdout.trim().split(';')[0];
  if (!/^[0-9]+$/.test(id)) throw new SubmitError(msg.submitSbatchNoId(script, r.stdout));
  return id;
}

/** Submits the array, then the merge depending on it; resolves to both job ids. */
export function submitSlurmJobs(written: WrittenSlurm): { array: string; merge: string } {
  const array = sbatch(written.array, []);
  let merge: string;
  try {
    merge = sbatch(written.merge, [`--dependency=afterok:${array}`]);
  } catch (err) {
    if (err instanceof SubmitError) throw new SubmitError(`${err.message}; ${msg.submitMergeNotQueued(array)}`);
    throw err;
  }
  return { array, merge };
}
