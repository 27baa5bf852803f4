/**
 * The `gradflow` command line (yargs). Exit codes (DESIGN.md): 0 done; 1 a run failed or a
 * check regressed; 2 bad input (config, flag, file), with nothing written.
 */
import yargs, { type Argv } from 'yargs';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import * as msg from './messages.js';
import { InputError, prepare, runPrepared } from './train/run.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** 128 + SIGINT, the shell's convention for a run stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

class UsageError extends Error {}

interface CommonArgs {
  out: string;
  set: string[];
  quiet: boolean;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const log = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  const fail = (lines: readonly string[]): void => {
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
          .option('workers', { type: 'number', default: availableParallelism(), describe: 'cells trained at once, each on a worker thread' }),
      async (args) => {
        const a = args as unknown as CommonArgs & { config: string[]; report: boolean; workers: number };
        if (!Number.isInteger(a.workers) || a.workers < 1) {
          fail([msg.badFlag('--workers', a.workers, 'an integer >= 1')]);
          exitCode = EXIT_BAD_INPUT;
          return;
        }
        let experiments;
        try {
          experiments = prepare(a.config, { out: a.out, set: a.set });
        } catch (err) {
          if (err instanceof InputError) {
            fail(err.messages);
            exitCode = EXIT_BAD_INPUT;
            return;
          }
          throw err;
        }
        const outcome = await runPrepared(experiments, { out: a.out, set: a.set, quiet: a.quiet, reports: a.report, log, workers: a.workers });
        if (outcome === 'interrupted') fail([msg.interrupted()]);
        exitCode = outcome === 'ok' ? EXIT_OK : outcome === 'interrupted' ? EXIT_INTERRUPTED : EXIT_FAILED;
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
          .option('workers', { type: 'number', default: availableParallelism(), describe: 'cells trained at once' }),
      async (args) => {
        const a = args as unknown as CommonArgs & { only?: string; workers: number };
        const { runClaims } = await import('./claims/index.js');
        const only = a.only === undefined ? undefined : a.only.split(',').map((x) => x.trim()).filter(Boolean);
        exitCode = await runClaims({ out: a.out, only, workers: a.workers, log: a.quiet ? () => {} : log });
      },
    )
    .command(
      'check',
      'rerun the baseline experiments and fail when a guarded metric moved beyond its tolerance',
      (y: Argv) =>
        y
          .option('update', { type: 'boolean', default: false, describe: 'rewrite the baselines with the current numbers' })
          .option('workers', { type: 'number', default: availableParallelism(), describe: 'cells trained at once' }),
      async (args) => {
        const a = args as unknown as CommonArgs & { update: boolean; workers: number };
        const { runCheck } = await import('./claims/index.js');
        exitCode = await runCheck({ update: a.update, workers: a.workers, log });
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
      'measure training speed (ms per step, GFLOP/s) on the reference workloads',
      (y: Argv) => y.option('steps', { type: 'number', default: 30, describe: 'timed steps per workload' }),
      async (args) => {
        const { runBench } = await import('./bench.js');
        await runBench({ steps: Number((args as unknown as { steps: number }).steps), log });
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
    fail([err instanceof Error ? (err.stack ?? err.message) : String(err)]);
    return EXIT_FAILED;
  }
  return exitCode;
}
