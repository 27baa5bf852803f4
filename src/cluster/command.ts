/**
 * `gradflow submit slurm|k8s <config> --shards N ...`: validates the flags and the whole config
 * (as `gradflow run` would, data included) before anything is written, pins the config, writes the
 * scripts or manifests, and for Slurm submits them unless `--dry-run`. Exit codes: 0 written (and
 * submitted); 1 writing or sbatch failed; 2 bad input, nothing written.
 */
import type { Argv } from 'yargs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import * as msg from '../messages.js';
import { InputError, prepare } from '../train/run.js';
import { makeDir, OutputError, writeFileAtomic } from '../results/write.js';
import { k8sManifests } from './k8s.js';
import { pinConfig, relativeSweptFiles, type PinnedConfig } from './pin.js';
import { PARTITION, SBATCH_PATH, TIME_LIMIT } from './shell.js';
import { onPath, SubmitError, submitSlurmJobs, writeSlurmScripts, type SlurmJob } from './slurm.js';
import { toYaml } from './yaml.js';

const OK = 0;
const FAILED = 1;
const BAD_INPUT = 2;

/** Where a command prints; `exit` receives the command's exit code. */
export interface CommandIO {
  readonly log: (line: string) => void;
  readonly fail: (lines: readonly string[]) => void;
  readonly exit: (code: number) => void;
}

interface CommonArgs {
  readonly config: string;
  readonly shards: number;
  readonly cpusPerTask: number;
  readonly report: boolean;
  readonly out: string;
  readonly set: readonly string[];
  readonly quiet: boolean;
}

interface SlurmArgs extends CommonArgs {
  readonly partition?: string;
  readonly time?: string;
  readonly dryRun: boolean;
}

interface K8sArgs extends CommonArgs {
  readonly image: string;
}

/** The gradflow checkout this process runs from (it holds bin/gradflow.mjs). */
export const REPO = resolve(import.meta.dirname, '../..');

const shown = (p: string): string => {
  const rel = relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
};

const positiveInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1;

function flagProblems(a: CommonArgs): string[] {
  const out: string[] = [];
  if (!positiveInt(a.shards)) out.push(msg.badFlag('--shards', a.shards, 'an integer >= 1, the number of array tasks or pods'));
  if (!positiveInt(a.cpusPerTask)) out.push(msg.badFlag('--cpus-per-task', a.cpusPerTask, 'an integer >= 1'));
  return out;
}

/** The experiment of `config`, validated like `gradflow run`; null (after printing why) on bad input. */
function load(a: CommonArgs, io: CommandIO): { config: PinnedConfig; cells: number; baseDir: string; name: string } | null {
  let experiments;
  try {
    experiments = prepare([a.config], { out: a.out, set: a.set });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    io.fail(err.messages);
    return null;
  }
  const exp = experiments[0];
  const relative = relativeSweptFiles(exp.config);
  if (relative.length) {
    io.fail(relative);
    return null;
  }
  if (a.shards > exp.cells.length) {
    io.fail([msg.submitShardsTooMany(a.shards, exp.cells.length, exp.config.name)]);
    return null;
  }
  return { config: pinConfig(exp.config, exp.baseDir), cells: exp.cells.length, baseDir: exp.baseDir, name: exp.config.name };
}

async function submitSlurm(a: SlurmArgs, io: CommandIO): Promise<number> {
  const problems = flagProblems(a);
  if (a.partition !== undefined && !PARTITION.test(String(a.partition))) problems.push(msg.badFlag('--partition', a.partition, 'a partition name or a comma-separated list of them ([A-Za-z0-9_.-])'));
  if (a.time !== undefined && !TIME_LIMIT.test(String(a.time))) problems.push(msg.badFlag('--time', a.time, "a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED"));
  if (problems.length) {
    io.fail(problems);
    return BAD_INPUT;
  }
  const loaded = load(a, io);
  if (loaded === null) return BAD_INPUT;
  const out = resolve(a.out);
  const dir = join(out, loaded.name, 'slurm');
  if (!SBATCH_PATH.test(dir)) {
    io.fail([msg.submitOutPath(dir)]);
    return BAD_INPUT;
  }
  if (!a.dryRun && !onPath('sbatch')) {
    io.fail([msg.submitSbatchMissing()]);
    return BAD_INPUT;
  }
  const job: SlurmJob = {
    name: loaded.name, shards: a.shards, partition: a.partition ?? null, time: a.time ?? null, cpusPerTask: a.cpusPerTask,
    reports: a.report, out, dir, config: join(dir, `${loaded.name}.json`), configSha256: loaded.config.sha256, repo: REPO, node: process.execPath,
  };
  let written;
  try {
    makeDir(dir);
    writeFileAtomic(job.config, loaded.config.text);
    written = writeSlurmScripts(job);
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    io.fail([err.message]);
    return FAILED;
  }
  io.log(msg.submitWrote(loaded.name, [shown(written.array), shown(written.merge), shown(job.config)], loaded.config.sha256));
  if (a.dryRun) {
    for (const line of msg.submitSlurmDryRun(shown(written.array), shown(written.merge))) io.log(line);
    return OK;
  }
  let ids;
  try {
    ids = submitSlurmJobs(written);
  } catch (err) {
    if (!(err instanceof SubmitError)) throw err;
    io.fail([err.message]);
    return FAILED;
  }
  io.log(msg.submitSlurmQueued(loaded.name, ids.array, a.shards, ids.merge));
  for (const line of msg.submitSlurmFollow(ids.array, ids.merge, shown(written.logs), shown(join(out, loaded.name)))) io.log(line);
  return OK;
}

/** A container image reference: no blanks or control characters, as a registry would accept. */
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\/:@-]*$/;

async function submitK8s(a: K8sArgs, io: CommandIO): Promise<number> {
  const problems = flagProblems(a);
  if (typeof a.image !== 'string' || !IMAGE.test(a.image)) problems.push(msg.badFlag('--image', a.image, 'a container image that runs gradflow as its entrypoint, such as registry.example.com/gradflow:0.1.0 or name@sha256:<digest>'));
  if (problems.length) {
    io.fail(problems);
    return BAD_INPUT;
  }
  const loaded = load(a, io);
  if (loaded === null) return BAD_INPUT;
  const dir = join(resolve(a.out), loaded.name, 'k8s');
  const m = k8sManifests({ pinned: loaded.config, shards: a.shards, image: a.image, cpusPerTask: a.cpusPerTask, reports: a.report });
  const files = { pvc: join(dir, 'pvc.yaml'), config: join(dir, 'config.yaml'), job: join(dir, 'job.yaml'), merge: join(dir, 'merge.yaml') };
  try {
    makeDir(dir);
    writeFileAtomic(files.pvc, toYaml(m.pvc));
    writeFileAtomic(files.config, toYaml(m.config));
    writeFileAtomic(files.job, toYaml(m.job));
    writeFileAtomic(files.merge, toYaml(m.merge));
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    io.fail([err.message]);
    return FAILED;
  }
  io.log(msg.submitWrote(loaded.name, Object.values(files).map(shown), loaded.config.sha256));
  const rel = { pvc: shown(files.pvc), config: shown(files.config), job: shown(files.job), merge: shown(files.merge) };
  for (const line of msg.submitK8sNext(shown(dir), m.job.metadata?.name ?? '', rel)) io.log(line);
  if (!a.image.includes('@sha256:')) io.log(msg.submitK8sImageNote(a.image));
  const pinned = JSON.parse(loaded.config.text) as { data?: { path?: unknown }; model?: { initFrom?: unknown } };
  if (typeof pinned.data?.path === 'string') io.log(msg.submitK8sFileNote('data.path', pinned.data.path));
  if (typeof pinned.model?.initFrom === 'string') io.log(msg.submitK8sFileNote('model.initFrom', pinned.model.initFrom));
  return OK;
}

const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

/** The parsed flags, typed (yargs has already applied the defaults and types below). */
function commonArgs(a: Readonly<Record<string, unknown>>): CommonArgs {
  return {
    config: String(a.config),
    shards: Number(a.shards),
    cpusPerTask: Number(a.cpusPerTask),
    report: a.report !== false,
    out: String(a.out ?? 'results'),
    set: Array.isArray(a.set) ? a.set.map(String) : [],
    quiet: a.quiet === true,
  };
}

function commonOptions(y: Argv): Argv {
  return y
    .positional('config', { type: 'string', demandOption: true, describe: 'the config file; also looked up under experiments/' })
    .option('shards', { type: 'number', demandOption: true, describe: 'number of shards: array tasks (Slurm) or pods (Kubernetes)' })
    .option('cpus-per-task', { type: 'number', default: 1, describe: 'CPUs of each task or pod; also its --workers' })
    .option('report', { type: 'boolean', default: true, describe: 'write report.html files (--no-report to skip)' });
}

/** Registers `submit slurm` and `submit k8s` under the `submit` command of the CLI. */
export function submitCommands(y: Argv, io: CommandIO): Argv {
  return y
    .command(
      'slurm <config>',
      'write <out>/<name>/slurm/{array,merge}.sbatch and submit them with sbatch (a job array and a merge that depends on it)',
      (s: Argv) =>
        commonOptions(s)
          .option('partition', { type: 'string', describe: 'Slurm partition(s) of both jobs' })
          .option('time', { type: 'string', describe: 'time limit of each task and of the merge (sbatch --time)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'write the scripts and print the sbatch commands, submit nothing' }),
      async (args) => io.exit(await submitSlurm({ ...commonArgs(args), partition: str(args.partition), time: str(args.time), dryRun: args.dryRun === true }, io)),
    )
    .command(
      'k8s <config>',
      'write <out>/<name>/k8s/{pvc,config,job,merge}.yaml: an Indexed Job, its merge Job, the config and the shared volume claim (never calls kubectl)',
      (s: Argv) => commonOptions(s).option('image', { type: 'string', demandOption: true, describe: 'container image whose entrypoint is gradflow' }),
      async (args) => io.exit(await submitK8s({ ...commonArgs(args), image: String(args.image ?? '') }, io)),
    )
    .demandCommand(1, msg.needScheduler());
}
