/**
 * The `gradflow` command line (yargs): the global options, one table of options per command,
 * and the list of commands. A command is one `command({...})` entry in COMMANDS: its usage, its
 * options (a typed table: the handler's arguments are inferred from it) and the function it
 * runs, which resolves to the exit code (src/commands/io.ts). Commands load their modules when
 * they run, so `gradflow list` does not pay for the trainer.
 */
import yargs, { type Argv, type ArgumentsCamelCase, type InferredOptionTypes, type Options } from 'yargs';
import { availableParallelism } from 'node:os';
import * as msg from './messages.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, type Io } from './commands/io.js';
import { ResultsFileError } from './results/read-file.js';
import { MAX_THREADS } from './net/kernels-threads.js';
import { OutputError } from './results/write.js';
import { LockError } from './train/lock.js';
import { submitCommands } from './cluster/command.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './watch/options.js';

export { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PIPE_CLOSED } from './commands/io.js';

type OptionTable = { readonly [name: string]: Options };

/** Longest line an error prints. */
const MAX_MESSAGE_LINE = 2000;

const GLOBAL_OPTIONS = {
  out: { type: 'string', default: 'results', describe: 'results folder' },
  set: { type: 'string', array: true, default: [], describe: 'override a config field: --set model.depth=30 (repeatable)' },
  quiet: { type: 'boolean', default: false, describe: 'print only errors' },
} as const satisfies OptionTable;

type GlobalArgs = InferredOptionTypes<typeof GLOBAL_OPTIONS>;

/**
 * A count flag (`--workers 4`): read as text and parsed here, so that `--workers abc` is named as
 * given rather than as NaN. A throw here reaches `.fail` as yargs' own error: a usage error.
 */
function count(flag: string, max = Number.MAX_SAFE_INTEGER): (v: unknown) => number {
  const expected = max === Number.MAX_SAFE_INTEGER ? 'an integer >= 1' : `an integer from 1 to ${max}`;
  return (v) => {
    if (Array.isArray(v)) throw new Error(msg.flagTwice(flag, v.length));
    const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    // The value as given: a number as a number (`1.5`, `-1`), anything else as text (`"abc"`).
    const given = text !== '' && Number.isFinite(Number(text)) ? Number(text) : String(v);
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new Error(msg.badFlag(flag, given, expected));
    return n;
  };
}

const workers = (describe: string) =>
  ({ type: 'string', default: String(availableParallelism()), coerce: count('--workers'), describe }) as const satisfies Options;

/** Where the live view listens (`gradflow watch`, `run --watch`). */
const LISTEN_OPTIONS = {
  port: { type: 'string', describe: `port of the live view (default ${DEFAULT_PORT}, or any free one when it is taken; 0: any free port)` },
  host: { type: 'string', describe: `address the live view listens on (default ${DEFAULT_HOST}: this machine only)` },
} as const satisfies OptionTable;

const RUN_OPTIONS = {
  report: { type: 'boolean', default: true, describe: 'write report.html files (--no-report to skip)' },
  workers: workers('cells trained at once, each on a worker thread'),
  threads: { type: 'string', coerce: count('--threads', MAX_THREADS), describe: "threads each cell's kernel uses (--set model.threads); byte-identical results, default 1" },
  shard: {
    type: 'string',
    describe: 'run only shard I of N of the cells, balanced by cost: --shard 2/4 (1-based), or auto (Kubernetes Indexed Job, Slurm array, GRADFLOW_SHARD_INDEX/COUNT); see docs/scale-out.md',
  },
  resume: { type: 'boolean', describe: 'skip cells already finished with the same config (default with --shard; --no-resume retrains them)' },
  'init-from': { type: 'string', describe: 'start from the weights in this safetensors file (relative to the current folder): --set model.initFrom' },
  'save-weights': { type: 'string', describe: 'save the weights at these steps: --save-weights 0,100,1000 (--set train.saveWeights)' },
  watch: { type: 'boolean', default: false, describe: 'serve the live view of the run (gradflow watch) beside it, until Ctrl-C after the run' },
  ...LISTEN_OPTIONS,
} as const satisfies OptionTable;

const WATCH_OPTIONS = {
  ...LISTEN_OPTIONS,
  open: { type: 'boolean', default: false, describe: 'open the page in the desktop browser' },
} as const satisfies OptionTable;

const MERGE_OPTIONS = {
  report: { type: 'boolean', default: true, describe: 'write the sweep report.html (--no-report to skip)' },
} as const satisfies OptionTable;

const CLAIMS_OPTIONS = {
  only: { type: 'string', describe: 'a subset of claim ids: --only 4,12' },
  workers: workers('cells trained at once'),
  'seed-base': { type: 'number', default: 0, describe: 'shift every evaluation seed of the suite by N' },
} as const satisfies OptionTable;

const CHECK_OPTIONS = {
  update: { type: 'boolean', default: false, describe: 'rewrite the baselines with the current numbers' },
  'accept-failed': { type: 'boolean', default: false, describe: 'with --update: also record cells that failed or diverged' },
  workers: workers('cells trained at once'),
} as const satisfies OptionTable;

const BENCH_OPTIONS = {
  only: { type: 'string', describe: 'sections: kernels,torch,threads,overhead,jacobian,sweep,scaling' },
  torch: { type: 'boolean', default: false, describe: "also time PyTorch (Debian's python3-torch)" },
  rounds: { type: 'string', default: '5', coerce: count('--rounds'), describe: 'interleaved rounds per measurement' },
} as const satisfies OptionTable;

/** A comma-separated flag as a list (blanks dropped). */
const list = (text: string): string[] => text.split(',').map((x) => x.trim()).filter(Boolean);

/** One command: its usage (with positionals), its options, and what it runs. */
interface CommandDef<A> {
  readonly usage: string;
  readonly describe: string;
  /** Declares the positionals and the command's option table. */
  readonly builder: (y: Argv<GlobalArgs>) => Argv<A>;
  /** Resolves to the exit code. */
  readonly run: (args: ArgumentsCamelCase<A>, io: Io) => Promise<number>;
}

/** Adds a command to the parser; `done` receives its exit code. */
type Registrar = (parser: Argv<GlobalArgs>, io: Io, done: (code: number) => void) => Argv<GlobalArgs>;

function command<A>(def: CommandDef<A>): Registrar {
  return (parser, io, done) =>
    parser.command(def.usage, def.describe, def.builder, async (args) => done(await def.run(args, io)));
}

const COMMANDS: readonly Registrar[] = [
  command({
    usage: 'run <config...>',
    describe: 'train every cell of one or more configs and write metrics and reports',
    builder: (y) =>
      y.positional('config', { type: 'string', array: true, demandOption: true, describe: 'config file(s); also looked up under experiments/' })
        .options(RUN_OPTIONS),
    run: async (a, io) => (await import('./commands/run.js')).runCommand(a, io),
  }),
  command({
    usage: 'merge <folder...>',
    describe: 'assemble the outputs of sharded runs into <out>/<name>: check every cell is there once, write index.json, sweep-summary.json and the sweep report',
    builder: (y) =>
      y.positional('folder', { type: 'string', array: true, demandOption: true, describe: 'experiment folders (with index.json or index.shard-I-of-N.json), or folders of them' })
        .options(MERGE_OPTIONS),
    run: async (a, io) => (await import('./commands/merge.js')).mergeCommand(a, io),
  }),
  (parser, io, done) =>
    parser.command(
      'submit',
      'run a sharded sweep on a cluster: submit slurm (a job array and a merge job) or submit k8s (Indexed Job manifests); see docs/scale-out.md',
      (y) => submitCommands(y, { log: io.log, fail: io.fail, exit: done }),
    ),
  command({
    usage: 'watch <folder>',
    describe: 'serve live reports of a results, experiment or cell folder while its runs train (read-only; 127.0.0.1 unless --host); prints the URL first',
    builder: (y) => y.positional('folder', { type: 'string', demandOption: true, describe: 'the folder to watch' }).options(WATCH_OPTIONS),
    run: async (a, io) => (await import('./watch/command.js')).watchFolder(a.folder, { port: a.port, host: a.host, open: a.open }, io),
  }),
  command({
    usage: 'report <dir>',
    describe: 're-render the report of a finished run (a cell folder) or experiment (a folder with index.json)',
    builder: (y) => y.positional('dir', { type: 'string', demandOption: true }),
    run: async (a, io) => (await import('./commands/report.js')).reportCommand(a, io),
  }),
  command({
    usage: 'figures',
    describe: "draw every activation and its derivative (the post's figures) into <out>/figures/index.html",
    builder: (y) => y,
    run: async (a, io) => (await import('./commands/report.js')).figuresCommand(a, io),
  }),
  command({
    usage: 'claims',
    describe: "run the pre-registered claims about the post's activations and write verdicts and a report",
    builder: (y) => y.options(CLAIMS_OPTIONS),
    run: async (a, io) => {
      const { runClaims } = await import('./claims/index.js');
      return runClaims({ out: a.out, only: a.only === undefined ? undefined : list(a.only), workers: a.workers, seedBase: a.seedBase, log: a.quiet ? () => {} : io.log });
    },
  }),
  command({
    usage: 'check',
    describe: 'rerun the baseline experiments and fail when a guarded metric moved beyond its tolerance',
    builder: (y) => y.options(CHECK_OPTIONS),
    run: async (a, io) => (await import('./claims/index.js')).runCheck({ update: a.update, acceptFailed: a.acceptFailed, workers: a.workers, log: io.log }),
  }),
  command({
    usage: 'list',
    describe: 'list the activations, initializers, data sets, optimizers and losses with their parameters',
    builder: (y) => y,
    run: async (_a, io) => {
      io.log((await import('./list.js')).listRegistries());
      return EXIT_OK;
    },
  }),
  command({
    usage: 'bench',
    describe: 'measure speed: kernels vs TensorFlow.js (and PyTorch), metrics overhead, parallel sweeps, scaling',
    builder: (y) => y.options(BENCH_OPTIONS),
    run: async (a, io) => {
      const { runBench } = await import('./bench.js');
      await runBench({ log: io.log, torch: a.torch, rounds: a.rounds, only: a.only?.split(',').map((s) => s.trim()) });
      return EXIT_OK;
    },
  }),
];

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

const io: Io = {
  log: (line) => {
    if (!pipes.stdoutClosed) process.stdout.write(line + '\n');
  },
  fail: (lines) => {
    if (pipes.stderrClosed) return;
    // Values are cut short where each message is made (messages.ts `show`, `shorten`); this
    // bounds whatever text an error carries from elsewhere (a stack trace keeps its lines).
    for (const l of lines) process.stderr.write(`gradflow: ${l.split('\n').map((x) => msg.shorten(x, MAX_MESSAGE_LINE)).join('\n')}\n`);
  },
  onStdoutClosed: (stop) => {
    pipes.onStdoutClosed = stop;
    return () => {
      pipes.onStdoutClosed = null;
    };
  },
};

class UsageError extends Error {}

/** Every option table, for the checks that apply to all of them. */
const OPTION_TABLES: readonly OptionTable[] = [GLOBAL_OPTIONS, RUN_OPTIONS, WATCH_OPTIONS, MERGE_OPTIONS, CLAIMS_OPTIONS, CHECK_OPTIONS, BENCH_OPTIONS];

/** Options that take a value (not booleans), by name. */
const VALUE_FLAGS: ReadonlySet<string> = new Set(OPTION_TABLES.flatMap((t) => Object.entries(t).filter(([, o]) => o.type !== 'boolean').map(([k]) => k)));

/** Options that take one value: given twice, yargs would hand the command a list. */
const SINGLE_FLAGS: readonly string[] = OPTION_TABLES.flatMap((t) => Object.entries(t).filter(([, o]) => o.array !== true).map(([k]) => k));

/**
 * `--shard -1/2`: yargs reads a value that starts with "-" as more flags ("Unknown argument: 1").
 * gradflow has no one-letter flags, so such a value after a flag that takes one is joined to it
 * (`--shard=-1/2`), and the flag's own check names it.
 */
export function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (a.startsWith('--') && VALUE_FLAGS.has(a.slice(2)) && next !== undefined && /^-[^-]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Throws the UsageError of a flag given twice or an empty `--out`. */
function checkFlags(argv: Record<string, unknown>): true {
  for (const k of SINGLE_FLAGS) {
    const v = argv[k];
    if (Array.isArray(v)) throw new UsageError(msg.flagTwice(`--${k}`, v.length));
  }
  const out = argv.out;
  if (typeof out === 'string' && out.trim() === '') throw new UsageError(msg.badFlag('--out', out, 'a folder path (the default is results)'));
  return true;
}

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  guardPipes();
  const done = (code: number): void => {
    exitCode = code;
  };
  let parser: Argv<GlobalArgs> = yargs(joinDashValues(argv)).scriptName('gradflow').usage('$0 <command> [options]').options(GLOBAL_OPTIONS);
  for (const add of COMMANDS) parser = add(parser, io, done);
  parser = parser
    .demandCommand(1, msg.needCommand())
    .check(checkFlags, true)
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message: string | undefined, err: Error | undefined) => {
      // yargs' own errors (a flag's coerce refusing its value) and checkFlags' are usage errors; others are not.
      if (err instanceof UsageError) throw err;
      if (err && err.name === 'YError') throw new UsageError(err.message);
      if (err) throw err;
      // Throwing stops yargs from running the command after a usage error. yargs repeats what it
      // did not understand ("Unknown argument: ..."), which may be as long as the command line.
      throw new UsageError(msg.shorten(message ?? msg.needCommand()));
    });

  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      io.fail([err.message]);
      return EXIT_BAD_INPUT;
    }
    // `claims` and `check` train through the same machinery: a held folder or a full disk is said plainly.
    if (err instanceof LockError || err instanceof OutputError) {
      io.fail([err.message]);
      return EXIT_FAILED;
    }
    // A run file refused by its reader (over its read limit, a path leading outside its folder).
    if (err instanceof ResultsFileError) {
      io.fail([err.message]);
      return EXIT_BAD_INPUT;
    }
    io.fail([err instanceof Error ? (err.stack ?? err.message) : String(err)]);
    return EXIT_FAILED;
  }
  return exitCode;
}
