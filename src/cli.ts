/**
 * The `gradflow` command line (yargs). Exit codes (DESIGN.md): 0 done; 1 a run failed (a cell
 * failed or diverged, the output could not be written, another run holds the experiment folder)
 * or a check regressed; 2 bad input (config, flag, file, a model too large for memory), with
 * nothing written; 130 interrupted (SIGINT or SIGTERM, after a clean shutdown); 141 a run
 * stopped cleanly because its stdout was closed (`gradflow run ... | head -1`).
 */
import yargs, { type Argv } from 'yargs';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import * as msg from './messages.js';
import { InputError, prepare, runPrepared } from './train/run.js';
import { OutputError } from './train/io.js';
import { LockError } from './train/lock.js';
import { parseShard, ShardSpecError, type Shard } from './shard/spec.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** 128 + SIGINT, the shell's convention for a run stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;
/** 128 + SIGPIPE: a run stopped because the reader of its output went away (`| head -1`). */
export const EXIT_PIPE_CLOSED = 141;

/**
 * stdout and stderr closed by their reader (`gradflow run ... | head -1`): Node reports EPIPE
 * as an 'error' event, which would crash the process with a stack trace. Instead the stream is
 * marked closed, output to it stops, and a run in progress stops cleanly (`onStdoutClosed`).
 */
const pipes = {
  stdoutClosed: false,
  stderrClosed: false,
  onStdoutClosed: null as (() => void) | null,
};
let pipesGuarded = false;

function guardPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  const closed = (err: NodeJS.ErrnoException): boolean => err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!closed(err)) throw err;
    if (pipes.stdoutClosed) return;
    pipes.stdoutClosed = true;
    pipes.onStdoutClosed?.();
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (!closed(err)) throw err;
    pipes.stderrClosed = true;
  });
}

class UsageError extends Error {}

interface CommonArgs {
  out: string;
  set: string[];
  quiet: boolean;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  guardPipes();
  const log = (line: string): void => {
    if (!pipes.stdoutClosed) process.stdout.write(line + '\n');
  };
  const fail = (lines: readonly string[]): void => {
    if (pipes.stderrClosed) return;
    for (const l of lines) process.stderr.write(`gradflow: ${l}\n`);
  };

  const parser = yargs([...argv])
    .scriptName('gradflow')
    .usage('$0 <command> [options]')
    .option('out', { type: 'string', default: 'results', describe: 'results folder' })
    .option('set', { type: 'string', array: true, default: [], describe: 'override a config field: --set model.depth=30 (repeatable)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print only errors' })
    .command(
      'run <config...>',
      'train every cell of one or more configs and write metrics and reports',
      (y: Argv) =>
        y
          .positional('config', { type: 'string', array: true, demandOption: true, describe: 'config file(s); also looked up under experiments/' })
          .option('report', { type: 'boolean', default: true, describe: 'write report.html files (--no-report to skip)' })
          .option('workers', { type: 'number', default: availableParallelism(), describe: 'cells trained at once, each on a worker thread' })
          .option('shard', {
            type: 'string',
            describe: 'run only shard I of N of the cells, balanced by cost: --shard 2/4 (1-based), or auto (Kubernetes Indexed Job, Slurm array, GRADFLOW_SHARD_INDEX/COUNT); see docs/scale-out.md',
          })
          .option('resume', { type: 'boolean', describe: 'skip cells already finished with the same config (default with --shard; --no-resume retrains them)' })
          .option('init-from', { type: 'string', describe: 'start from the weights in this safetensors file (relative to the current folder): --set model.initFrom' })
          .option('save-weights', { type: 'string', describe: 'save the weights at these steps: --save-weights 0,100,1000 (--set train.saveWeights)' }),
      async (args) => {
        const a = args as unknown as CommonArgs & { config: string[]; report: boolean; workers: number; shard?: string; resume?: boolean; initFrom?: string; saveWeights?: string };
        if (!Number.isInteger(a.workers) || a.workers < 1) {
          fail([msg.badFlag('--workers', a.workers, 'an integer >= 1')]);
          exitCode = EXIT_BAD_INPUT;
          return;
        }
        const sets = [...a.set];
        if (a.initFrom !== undefined) {
          if (String(a.initFrom).trim() === '') {
            fail([msg.badFlag('--init-from', a.initFrom, 'a safetensors file')]);
            exitCode = EXIT_BAD_INPUT;
            return;
          }
          // The flag is relative to where the command runs; model.initFrom to the config file.
          sets.push(`model.initFrom=${JSON.stringify(resolve(String(a.initFrom)))}`);
        }
        if (a.saveWeights !== undefined) {
          const text = String(a.saveWeights).trim();
          const steps = text === '' ? [] : text.split(',').map((t) => t.trim());
          if (!steps.every((t) => /^\d+$/.test(t) && Number.isSafeInteger(Number(t)))) {
            fail([msg.badFlag('--save-weights', a.saveWeights, 'a comma-separated list of steps (integers >= 0), e.g. 0,100,1000')]);
            exitCode = EXIT_BAD_INPUT;
            return;
          }
          sets.push(`train.saveWeights=${JSON.stringify(steps.map(Number))}`);
        }
        let shard: Shard | null = null;
        if (a.shard !== undefined) {
          try {
            shard = parseShard(String(a.shard), process.env);
          } catch (err) {
            if (!(err instanceof ShardSpecError)) throw err;
            fail([err.message]);
            exitCode = EXIT_BAD_INPUT;
            return;
          }
        }
        let experiments;
        try {
          experiments = prepare(a.config, { out: a.out, set: sets });
        } catch (err) {
          if (err instanceof InputError) {
            fail(err.messages);
            exitCode = EXIT_BAD_INPUT;
            return;
          }
          throw err;
        }
        const abort = new AbortController();
        pipes.onStdoutClosed = () => abort.abort();
        let outcome;
        try {
          outcome = await runPrepared(experiments, {
            out: a.out, set: sets, quiet: a.quiet, reports: a.report, log, warn: (line) => fail([line]),
            workers: a.workers, shard, resume: a.resume, abort: abort.signal,
          });
        } catch (err) {
          // Another run holds the experiment folder, or the folder cannot be made: nothing trained.
          if (!(err instanceof LockError || err instanceof OutputError)) throw err;
          fail([err.message]);
          exitCode = EXIT_FAILED;
          return;
        } finally {
          pipes.onStdoutClosed = null;
        }
        if (outcome === 'interrupted' && abort.signal.aborted) {
          exitCode = EXIT_PIPE_CLOSED;
          return;
        }
        if (outcome === 'interrupted') fail([msg.interrupted()]);
        exitCode = outcome === 'ok' ? EXIT_OK : outcome === 'interrupted' ? EXIT_INTERRUPTED : EXIT_FAILED;
      },
    )
    .command(
      'merge <folder...>',
      'assemble the outputs of sharded runs into <out>/<name>: check every cell is there once, write index.json, sweep-summary.json and the sweep report',
      (y: Argv) =>
        y
          .positional('folder', { type: 'string', array: true, demandOption: true, describe: 'experiment folders (with index.json or index.shard-I-of-N.json), or folders of them' })
          .option('report', { type: 'boolean', default: true, describe: 'write the sweep report.html (--no-report to skip)' }),
      async (args) => {
        const a = args as unknown as CommonArgs & { folder: string[]; report: boolean };
        const { mergeShards, MergeInputError } = await import('./shard/merge.js');
        try {
          const code = await mergeShards(a.folder, { out: a.out, reports: a.report, quiet: a.quiet, log, warn: (line) => fail([line]) });
          exitCode = code === 0 ? EXIT_OK : EXIT_FAILED;
        } catch (err) {
          if (!(err instanceof MergeInputError)) throw err;
          fail(err.messages);
          exitCode = EXIT_BAD_INPUT;
        }
      },
    )
    .command(
      'report <dir>',
      're-render the report of a finished run (a cell folder) or experiment (a folder with index.json)',
      (y: Argv) => y.positional('dir', { type: 'string', demandOption: true }),
      async (args) => {
        const dir = resolve(String((args as unknown as { dir: string }).dir));
        if (!existsSync(dir) || !statSync(dir).isDirectory()) {
          fail([msg.notARunFolder(dir)]);
          exitCode = EXIT_BAD_INPUT;
          return;
        }
        const { writeRunReport, writeSweepReport } = await import('./report/index.js');
        if (existsSync(resolve(dir, 'index.json'))) {
          const file = await writeSweepReport(dir);
          if (!(args as unknown as CommonArgs).quiet) log(file);
        } else if (existsSync(resolve(dir, 'metrics.ndjson'))) {
          const file = await writeRunReport(dir);
          if (!(args as unknown as CommonArgs).quiet) log(file);
        } else {
          fail([msg.notARunFolder(dir)]);
          exitCode = EXIT_BAD_INPUT;
        }
      },
    )
    .command(
      'figures',
      "draw every activation and its derivative (the post's figures) into <out>/figures/index.html",
      (y: Argv) => y,
      async (args) => {
        const a = args as unknown as CommonArgs;
        const { writeFigures } = await import('./report/index.js');
        const file = await writeFigures(resolve(a.out, 'figures'));
        if (!a.quiet) log(file);
      },
    )
    .command(
      'claims',
      "run the pre-registered claims about the post's activations and write verdicts and a report",
      (y: Argv) =>
        y
          .option('only', { type: 'string', describe: 'a subset of claim ids: --only 4,12' })
          .option('workers', { type: 'number', default: availableParallelism(), describe: 'cells trained at once' })
          .option('seed-base', { type: 'number', default: 0, describe: 'shift every evaluation seed of the suite by N' }),
      async (args) => {
        const a = args as unknown as CommonArgs & { only?: string; workers: number; seedBase: number };
        const { runClaims } = await import('./claims/index.js');
        const only = a.only === undefined ? undefined : a.only.split(',').map((x) => x.trim()).filter(Boolean);
        exitCode = await runClaims({ out: a.out, only, workers: a.workers, seedBase: a.seedBase, log: a.quiet ? () => {} : log });
      },
    )
    .command(
      'check',
      'rerun the baseline experiments and fail when a guarded metric moved beyond its tolerance',
      (y: Argv) =>
        y
          .option('update', { type: 'boolean', default: false, describe: 'rewrite the baselines with the current numbers' })
          .option('accept-failed', { type: 'boolean', default: false, describe: 'with --update: also record cells that failed or diverged' })
          .option('workers', { type: 'number', default: availableParallelism(), describe: 'cells trained at once' }),
      async (args) => {
        const a = args as unknown as CommonArgs & { update: boolean; acceptFailed: boolean; workers: number };
        const { runCheck } = await import('./claims/index.js');
        exitCode = await runCheck({ update: a.update, acceptFailed: a.acceptFailed, workers: a.workers, log });
      },
    )
    .command(
      'list',
      'list the activations, initializers, data sets, optimizers and losses with their parameters',
      (y: Argv) => y,
      async () => {
        const { listRegistries } = await import('./list.js');
        log(listRegistries());
      },
    )
    .command(
      'bench',
      'measure speed: kernels vs TensorFlow.js (and PyTorch), metrics overhead, parallel sweeps, scaling',
      (y: Argv) =>
        y
          .option('only', { type: 'string', describe: 'sections: kernels,torch,overhead,sweep,scaling' })
          .option('torch', { type: 'boolean', default: false, describe: "also time PyTorch (Debian's python3-torch)" })
          .option('rounds', { type: 'number', default: 5, describe: 'interleaved rounds per measurement' }),
      async (args) => {
        const a = args as unknown as { only?: string; torch: boolean; rounds: number };
        const { runBench } = await import('./bench.js');
        await runBench({ log, torch: a.torch, rounds: a.rounds, only: a.only?.split(',').map((s) => s.trim()) });
      },
    )
    .demandCommand(1, msg.needCommand())
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message: string | undefined, err: Error | undefined) => {
      if (err) throw err;
      // Throwing stops yargs from running the command after a usage error.
      throw new UsageError(message ?? msg.needCommand());
    });

  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      fail([err.message]);
      return EXIT_BAD_INPUT;
    }
    // `claims` and `check` train through the same machinery: a held folder or a full disk is said plainly.
    if (err instanceof LockError || err instanceof OutputError) {
      fail([err.message]);
      return EXIT_FAILED;
    }
    fail([err instanceof Error ? (err.stack ?? err.message) : String(err)]);
    return EXIT_FAILED;
  }
  return exitCode;
}
