/**
 * Every user-facing message of gradflow, one function a message. Each says where (a config
 * field's JSON path such as `model.depth` or `sweep["model.depth"][2]`, a file, a flag), what
 * was found, and what is allowed. Tests pin these texts, so change them here and nowhere else.
 */

/** Longest text of a value a message quotes; longer text keeps its start and its end. */
const SHOWN_CHARS = 60;
/** Longest path or detail a message prints as it is. */
const SHORTENED_CHARS = 240;

/** `text` cut to `max` characters, keeping its start and its end: `/very/long/pa...h/to/file.json`. */
export function shorten(text: string, max = SHORTENED_CHARS): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 3) * 0.6);
  return `${text.slice(0, head)}...${text.slice(text.length - (max - 3 - head))}`;
}

/** Names from a list, each cut short, at most `max` of them: `a, b, c and 97 more` (`"a", "b"` quoted). */
export function showList(items: readonly string[], max = 10, quoted = false): string {
  const shown = items.slice(0, max).map((x) => (quoted ? show(x) : shorten(x, SHOWN_CHARS)));
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}

/** A value as it would be written in JSON, cut short when long; `nothing` for undefined. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON would print NaN and the infinities as null, which is not what was given (1e999 parses to Infinity).
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS - 3)}...` : s;
}

const didYouMean = (suggestion: string | undefined): string => (suggestion === undefined ? '' : ` — did you mean "${suggestion}"?`);

// Config fields. `at` is the JSON path of the field, already formatted.

/** A name outside a fixed set: `model.activation: "rleu" is not one of identity, ... — did you mean "relu"?` */
export function notOneOf(at: string, value: unknown, allowed: readonly string[], suggestion?: string): string {
  return `${at}: ${show(value)} is not one of ${allowed.join(', ')}${didYouMean(suggestion)}`;
}

/** A value of the wrong type or out of range: `model.depth: -1 is not allowed: expected an integer >= 0`. */
export function notAllowed(at: string, value: unknown, expected: string): string {
  return `${at}: ${show(value)} is not allowed: expected ${expected}`;
}

/** A required key that is absent: `name: missing: expected ...`. */
export function missing(at: string, expected: string): string {
  return `${at}: missing: expected ${expected}`;
}

/** A key the schema does not have: `train.learningRate: unknown key — did you mean "lr"?` */
export function unknownKey(at: string, suggestion: string | undefined, allowed: readonly string[]): string {
  return suggestion !== undefined
    ? `${at}: unknown key${didYouMean(suggestion)}`
    : `${at}: unknown key; allowed keys: ${allowed.join(', ')}`;
}

/** A key the chosen data kind does not take: `data.classes: unknown key for data kind "moons"; ...`. */
export function unknownDataOption(at: string, kind: string, suggestion: string | undefined, allowed: readonly string[]): string {
  return suggestion !== undefined
    ? `${at}: unknown key for data kind "${kind}"${didYouMean(suggestion)}`
    : `${at}: unknown key for data kind "${kind}"; allowed keys: ${allowed.join(', ')}`;
}

/** A parameter the named entry does not take: `model.activation.beta: unknown parameter of leaky_relu; ...`. */
export function unknownParam(at: string, entry: string, suggestion: string | undefined, params: readonly string[]): string {
  if (suggestion !== undefined) return `${at}: unknown parameter of ${entry}${didYouMean(suggestion)}`;
  return params.length === 0
    ? `${at}: unknown parameter; ${entry} takes no parameters`
    : `${at}: unknown parameter of ${entry}; ${entry} takes: ${params.join(', ')}`;
}

/** Appended to an integer field's bounds when the value is past the exactly representable integers. */
export function safeIntegerBound(): string {
  return ' and at most 2^53 - 1 = 9007199254740991 (larger numbers are not exact integers in JSON)';
}

/** What a registry field accepts, for `notAllowed`. */
export function nameOrObject(names: readonly string[]): string {
  return `a name (one of ${names.join(', ')}) or an object {"name": ..., <parameters>}`;
}

// Parameters of registry entries (src/net/params.ts)

/** An interval in the usual notation: `[0, 1)`, `(0, inf)`. */
export function intervalText(lo: number, hi: number, loClosed: boolean, hiClosed: boolean): string {
  const end = (x: number): string => (x === Infinity ? 'inf' : x === -Infinity ? '-inf' : String(x));
  return `${loClosed ? '[' : '('}${end(lo)}, ${end(hi)}${hiClosed ? ']' : ')'}`;
}

/** The shape of a parameter as `expectedParam` describes it (a `ParamSpec` of src/net/params.ts). */
export interface ParamShape {
  readonly type: 'integer' | 'number' | 'boolean' | 'string' | 'enum';
  readonly min?: number;
  readonly max?: number;
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  readonly choices?: readonly string[];
  readonly nullable?: boolean;
}

/** What a parameter accepts, in words: "an integer >= 2", "a number in [0, 1)", "a boolean or null". */
export function expectedParam(spec: ParamShape): string {
  const { min, max } = spec;
  let text: string;
  if (spec.type === 'enum') text = `one of ${(spec.choices ?? []).join(', ')}`;
  else if (spec.type !== 'integer' && spec.type !== 'number') text = `a ${spec.type}`;
  else {
    text = spec.type === 'integer' ? 'an integer' : 'a number';
    if (min !== undefined && max !== undefined) text += ` in ${intervalText(min, max, !spec.exclusiveMin, !spec.exclusiveMax)}`;
    else if (min !== undefined) text += ` ${spec.exclusiveMin ? '>' : '>='} ${min}`;
    else if (max !== undefined) text += ` ${spec.exclusiveMax ? '<' : '<='} ${max}`;
  }
  return spec.nullable ? `${text} or null` : text;
}

/** A parameter handed to a registry entry in code, out of its bounds: `adam: beta1 = 1 is outside [0, 1)`. */
export function paramOutside(owner: string, key: string, value: number, interval: string): string {
  return `${owner}: ${key} = ${value} is outside ${interval}`;
}

/** A parameter handed to a registry entry in code that its spec or a rule refuses. */
export function paramRefused(owner: string, key: string, value: unknown, expected: string): string {
  return `${owner}: ${key} = ${show(value)} is not allowed: expected ${expected}`;
}

/** Both `train.steps` and `train.epochs` are set. */
export function stepsAndEpochs(at: string, steps: number, epochs: number): string {
  return `${at}: steps (${steps}) and epochs (${epochs}) are both set; expected exactly one of them (the other null or absent)`;
}

/** `metrics.jacobian.examples` above the probe batch it draws from. */
export function jacobianExamples(at: string, examples: number, probe: number): string {
  return `${at}: ${examples} is not allowed: the examples are rows of the probe batch; expected at most metrics.probe (${probe})`;
}

/** A seed listed twice in `seeds`. */
export function duplicateSeed(at: string, seed: number, firstAt: string): string {
  return `${at}: ${seed} is not allowed: it repeats ${firstAt}; expected distinct seeds`;
}

/** A sweep key that names no config field. */
export function sweepUnknownPath(at: string, path: string, suggestion: string | undefined): string {
  return `${at}: ${show(path)} is not a config path${didYouMean(suggestion)}${suggestion === undefined ? '; expected a dotted path such as "model.depth" or "train.lr"' : ''}`;
}

/** A sweep key that cannot vary between cells (`sweep`, `seeds`, `name`, `$schema`). */
export function sweepForbiddenPath(at: string, path: string): string {
  return `${at}: ${show(path)} cannot be swept; expected a path into data, model, train or metrics, or seed or description`;
}

/** A sweep over a whole config section (`model`), which would drop the keys a cell does not repeat. */
export function sweepSection(at: string, path: string, inside: readonly string[]): string {
  return `${at}: ${show(path)} is a section, and sweeping it would replace every key in it; expected a path inside it such as ${inside.slice(0, 4).map((p) => `"${p}"`).join(', ')}`;
}

/** Two sweep keys where one lies inside the other. */
export function sweepOverlap(at: string, path: string, other: string): string {
  return `${at}: ${show(path)} lies inside ${show(other)}, which is swept too; expected paths that do not overlap`;
}

/** `sweep.seed` together with `seeds`. */
export function sweepSeedWithSeeds(at: string): string {
  return `${at}: "seed" cannot be swept when seeds is set; expected one of sweep["seed"] or seeds`;
}

/** A sweep with too many cells. */
export function sweepTooLarge(count: number, factors: readonly number[], max: number): string {
  return `sweep: ${factors.join(' x ')} = ${count} cells is more than the ${max} allowed; expected shorter lists`;
}

/** A sweep value that resolves to the same thing as an earlier value of its list (an alias and its name). */
export function sweepDuplicateValue(at: string, value: unknown, firstAt: string): string {
  return `${at}: ${show(value)} is not allowed: it resolves to the same value as ${firstAt}; expected distinct values`;
}

/** Two cells of a sweep that resolve to the same config. */
export function sweepDuplicateCells(a: string, b: string): string {
  return `sweep: cells "${a}" and "${b}" resolve to the same config; expected distinct values (an alias and its name count as the same)`;
}

/** An error inside one sweep cell that is not about a swept value. */
export function inCell(cellId: string, message: string): string {
  return `sweep cell "${cellId}": ${message}`;
}

/** The first line of a failed config, above the field messages. */
export function invalidConfig(origin: string, count: number): string {
  return `${origin}: invalid config (${count} ${count === 1 ? 'error' : 'errors'})`;
}

// --set path=value

/** A --set argument without `=`. */
export function setSyntax(arg: string): string {
  return `--set ${show(arg)}: expected path=value, e.g. --set model.depth=30`;
}

/** A --set path that names no config field. */
export function setUnknownPath(arg: string, path: string, suggestion: string | undefined): string {
  return `--set ${shorten(arg)}: ${show(path)} is not a config path${didYouMean(suggestion)}${suggestion === undefined ? '; expected a dotted path such as "model.depth" or "train.lr"' : ''}`;
}

/** A --set path that goes through a value that is not an object. */
export function setThroughValue(arg: string, at: string, value: unknown): string {
  return `--set ${shorten(arg)}: ${at} is ${show(value)}, not an object; expected a path to a field`;
}

// Config files

/** A config path that exists neither as given nor under experiments/. */
export function fileNotFound(file: string, tried: readonly string[]): string {
  return `${shorten(file)}: no such file (looked for ${tried.map((t) => shorten(t)).join(' and ')})`;
}

export function fileIsDirectory(file: string): string {
  return `${shorten(file)}: is a directory; expected a JSON config file`;
}

export function fileEmpty(file: string): string {
  return `${shorten(file)}: the file is empty; expected a JSON object`;
}

/** `line` and `column` count from 1. */
export function fileNotJson(file: string, line: number, column: number, detail: string): string {
  return `${shorten(file)}:${line}:${column}: not valid JSON: ${detail}`;
}

/** What is wrong at the place a config file stops being JSON. */
export const jsonProblem = {
  unexpected: (ch: string): string => `unexpected ${JSON.stringify(ch)}`,
  end: (): string => 'unexpected end of file',
  comment: (): string => 'comments are not allowed in JSON',
  propertyName: (): string => 'expected a property name in double quotes',
  colon: (): string => 'expected ":" after the property name',
  objectNext: (): string => 'expected "," or "}" after a property value',
  arrayNext: (): string => 'expected "," or "]" after a list item',
  trailingComma: (): string => 'a trailing comma is not allowed in JSON',
  escape: (): string => 'invalid escape in a string',
  control: (): string => 'a line break or control character inside a string (write \\n)',
  unterminated: (): string => 'unterminated string',
  number: (): string => 'invalid number',
  afterValue: (): string => 'unexpected text after the JSON value',
  duplicateKey: (key: string): string => `the key ${show(key)} is written twice in one object; expected each key once`,
  tooDeep: (max: number): string => `objects and lists nested more than ${max} levels deep; expected at most ${max}`,
} as const;

/** A config file in an encoding other than UTF-8. */
export function fileEncoding(file: string, encoding: string): string {
  return `${shorten(file)}: the file is ${encoding}; expected UTF-8 (save it as UTF-8 and run again)`;
}

/** A `--set` value that is JSON but not acceptable JSON (a duplicate key, too deep). */
export function setValueJson(arg: string, problem: string): string {
  return `--set ${show(arg)}: ${problem}`;
}

export function fileUnreadable(file: string, reason: string): string {
  return `${shorten(file)}: cannot read the config (${shorten(reason)})`;
}

// Config against the loaded data

/** A batch larger than the training set. */
export function batchLargerThanData(batchSize: number, nTrain: number, kind: string): string {
  return `train.batchSize: ${batchSize} is not allowed: data kind "${kind}" has ${nTrain} training rows; expected an integer in [1, ${nTrain}]`;
}

/** `train.saveWeights` steps after the run's last step. */
export function saveWeightsPastEnd(late: readonly number[], last: number): string {
  return `train.saveWeights: ${show(late)} is not allowed: the run ends at step ${last}, so nothing would be saved; expected steps in [0, ${last}]`;
}

/** A loss whose targets do not match the data's task. */
export function lossForTask(loss: string, task: string, kind: string, allowed: readonly string[]): string {
  return `train.loss: "${loss}" is not allowed: data kind "${kind}" is a ${task} task; expected one of ${allowed.join(', ')}`;
}

/** Batch norm with a batch (or probe) of one example. */
export function batchNormNeedsRows(at: string, rows: number): string {
  return `${at}: ${rows} is not allowed with model.norm "batch": batch norm normalises each unit over the batch; expected an integer >= 2`;
}

// Writing and reading the output (src/results, src/train/lock.ts)

const WRITE_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'a file is in the way',
  EIO: 'input/output error',
};

/** A file or folder of the output that cannot be written: `results/x/run/summary.json: cannot write: no space left on the device (ENOSPC)`. */
export function cannotWrite(path: string, code: string, detail: string): string {
  return `${shorten(path)}: cannot write: ${WRITE_REASONS[code] ?? shorten(detail)} (${code})`;
}

/** A file of a run's output that is there but cannot be used: `results/x/index.json: cannot read: not valid JSON (...)`. */
export function cannotRead(path: string, reason: string): string {
  return `${shorten(path)}: cannot read: ${reason}`;
}

/** A run file over its read limit (src/results/read-file.ts). */
export function readTooLarge(bytes: number, limit: number): string {
  return `the file is ${formatBytes(bytes)} (${bytes} bytes), more than the limit of ${formatBytes(limit)} for this file; ` +
    'a run never writes one this large: expected a file written by gradflow';
}

/** An ndjson file whose records would hold more values than a reader keeps. */
export function readTooManyValues(limit: number): string {
  return `its records hold more than ${limit.toLocaleString('en-US')} values (a number is one, an object ten), the most a reader keeps from one file; ` +
    'a run never writes one this large: expected a file written by gradflow';
}

/** A run file that is a FIFO, a device or a folder. */
export function readNotRegular(what: string): string {
  return `it is ${what}, not a regular file; expected a file written by gradflow`;
}

/** A name or path read from a run file that could lead a command outside its folder. */
export function unsafeName(at: string, value: string, rule: string): string {
  return `${at}: ${show(value)} is not allowed: expected ${rule}`;
}

export function experimentNameRule(max: number): string {
  return `a name of letters, digits, ".", "_" and "-" that starts with a letter or digit, at most ${max} characters (as a config's name)`;
}

export function cellIdRule(max: number): string {
  return `a folder name (not empty, "." or "..", without "/", "\\" or control characters), at most ${max} characters`;
}

export function cellPathRule(): string {
  return 'a relative path of folder names below the experiment folder (no "..", not absolute)';
}

/** A cell path whose symbolic links lead outside the experiment folder. */
export function cellOutside(at: string, path: string): string {
  return `${at}: ${show(path)} is not allowed: with its symbolic links followed it leads outside the experiment folder; expected a cell folder inside it`;
}


/** The run stopped because its output could not be written. */
export function outputFailed(error: string): string {
  return `${error}; the run stopped: finished cells are intact (their summary.json is whole or absent); free space or fix the folder, then rerun with --resume`;
}

/** `--out` cannot hold the run: a file in the way, or a folder that cannot be written. */
export function outputUnusable(out: string, blocker: string, reason: string): string {
  return `--out ${shorten(out)}: ${shorten(blocker)} ${reason}; expected a folder gradflow can create and write`;
}

/** The folder of `gradflow report` cannot take the report. */
export function reportFolderUnusable(dir: string, reason: string): string {
  return `${shorten(dir)}: ${reason}; expected a folder gradflow can write report.html into`;
}

// Why a folder cannot be written (src/results/place.ts), after the part of the path in the way.

export function placeUnreachable(code: string): string {
  return `cannot be reached (${code})`;
}

export function placeIsFile(): string {
  return 'is a file, not a folder';
}

export function placeVirtual(fs: string): string {
  return `is on the kernel's ${fs} file system, which holds no files`;
}

export function placeNotWritable(code: string): string {
  return `is a folder this user cannot write (${code})`;
}

/** Another process is running the same experiment into the same folder. */
export function locked(file: string, pid: number, host: string, started: string, sameHost: boolean): string {
  const who = `pid ${pid}${sameHost ? '' : ` on ${host}`}, started ${started}`;
  return `${shorten(file)}: another gradflow run (${who}) is writing this experiment; wait for it to finish, or use another --out. ` +
    `If that process is gone${sameHost ? ' (a lock of a dead process is taken over by itself)' : ''}, delete the lock file`;
}

/** Another run writes the same folder in a way that cannot share it: sharded beside unsharded, or another sweep's shards. */
export function lockedByOther(file: string, pid: number, host: string, started: string, sameHost: boolean, why: 'sharded' | 'unsharded' | 'config'): string {
  const who = `pid ${pid}${sameHost ? '' : ` on ${host}`}, started ${started}`;
  const what =
    why === 'sharded' ? 'a sharded run' : why === 'unsharded' ? 'an unsharded run' : 'shards of a different config or shard count';
  return `${shorten(file)}: ${what} (${who}) is writing this experiment, and its cells would be trained into the same files; ` +
    'only the shards of one sweep (same config, same --shard N) may share a folder: wait for it to finish, or use another --out';
}

/** Two configs of one run name the same experiment. */
export function duplicateExperiment(name: string, files: readonly string[]): string {
  return `name: "${name}" is the name of ${files.length} of the configs (${files.map((f) => shorten(f)).join(', ')}); expected one config per experiment name, since each writes <out>/${name}`;
}

/** A worker thread that died while training a cell. */
export function workerDied(code: number | null, error: string | null): string {
  return `its worker thread crashed${error ? ` (${error})` : ''}${code !== null ? ` and exited with code ${code}` : ''}`;
}

// Threads (model.threads, --threads)
export function oversubscribed(workers: number, threads: number, cores: number): string {
  return `warning: --workers ${workers} x --threads ${threads} = ${workers * threads} threads on ${cores} cores: they will take turns and run slower than fewer would; use --workers ${Math.max(1, Math.floor(cores / threads))} with --threads ${threads}, or --threads 1`;
}

// Memory (src/train/memory.ts)

/** Bytes in binary units: `512 B`, `3.7 GiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** How the limit of one cell is set. */
export function memoryLimitWhy(cap: number, share: number, machine: number): string {
  return `per cell: the smaller of ${formatBytes(cap)} and ${Math.round(100 * share)}% of this machine's ${formatBytes(machine)}`;
}

/** How the limit of a whole run is set. */
export function runMemoryLimitWhy(share: number, machine: number): string {
  return `the whole run: ${Math.round(100 * share)}% of this machine's ${formatBytes(machine)}`;
}

/**
 * A run whose data sets and training cells would not fit at once: `run: needs about 3.1 GiB of
 * memory at its peak (40 data sets kept at once: 2.4 GiB; 4 cells training at once: 700 MiB), ...`.
 */
export function runTooLargeForMemory(e: {
  bytes: number;
  datasets: number;
  datasetCount: number;
  cells: number;
  training: number;
  workers: number;
  limit: number;
  why: string;
}): string {
  const fewer = [
    e.training > 1 ? `fewer --workers (${e.workers}: ${e.training} cells train at once)` : '',
    e.datasetCount > 1 ? `fewer data sets (one is kept per data config and seed: fewer seeds or swept data values)` : '',
    'a smaller data set',
  ].filter(Boolean);
  return `run: needs about ${formatBytes(e.bytes)} of memory at its peak (${e.datasetCount} data set${e.datasetCount === 1 ? '' : 's'} kept at once: ` +
    `${formatBytes(e.datasets)}; ${e.training} cell${e.training === 1 ? '' : 's'} training at once: ${formatBytes(e.cells)}), ` +
    `more than the limit of ${formatBytes(e.limit)} (${e.why}); nothing was written; expected ${fewer.join(', or ')}`;
}

export function memoryModelFields(depth: number, width: number, dtype: string, inputs: number, outputs: number): string {
  // The first and last layers grow with the data's sizes too: name them when they outgrow the width.
  const io = [inputs > width ? `${inputs} inputs` : '', outputs > width ? `${outputs} outputs (data classes or targets)` : ''].filter(Boolean);
  return `a smaller model.depth (${depth}) or model.width (${width})${io.length ? `, or fewer than the data's ${io.join(' and ')}` : ''}` +
    `${dtype === 'float64' ? ', or model.dtype "float32"' : ''}`;
}

export function memoryDataFields(rows: number, inputDim: number): string {
  return `a smaller data set (data.samples: ${rows} rows of ${inputDim} features, or the data's other sizes)`;
}

/**
 * A cell that would not fit: `model: needs about 11.2 TiB (1.00e+12 parameters, float32: ...),
 * more than the limit of 8.0 GiB (...); expected a smaller model.depth (100) or model.width (100000)`.
 */
export function tooLargeForMemory(e: {
  at: string;
  bytes: number;
  params: number;
  dtype: string;
  parts: Readonly<Record<'weights' | 'gradients' | 'optimizer' | 'activations' | 'metrics' | 'data', number>>;
  limit: number;
  why: string;
  fields: string;
}): string {
  const p = e.parts;
  const parts = `weights ${formatBytes(p.weights)}, gradients ${formatBytes(p.gradients)}, optimizer state ${formatBytes(p.optimizer)}, ` +
    `activation buffers ${formatBytes(p.activations)}, metrics ${formatBytes(p.metrics)}, data ${formatBytes(p.data)}`;
  return `${e.at}: needs about ${formatBytes(e.bytes)} of memory (${e.params.toExponential(2)} parameters in ${e.dtype}: ${parts}), ` +
    `more than the limit of ${formatBytes(e.limit)} (${e.why}); nothing was allocated; expected ${e.fields}`;
}

// The command line and the run

/** A flag whose value is out of range. */
export function badFlag(flag: string, value: unknown, expected: string): string {
  return `${flag}: ${show(value)} is not allowed: expected ${expected}`;
}

/** A flag that takes one value, given more than once. */
export function flagTwice(flag: string, times: number): string {
  return `${flag}: given ${times} times; expected it once`;
}

export function needCommand(): string {
  return 'name a command: run, report, figures, claims, check, merge, submit, watch, list or bench (gradflow --help)';
}

export function notARunFolder(dir: string): string {
  return `${shorten(dir)}: not a run folder: expected a cell folder (with metrics.ndjson) or an experiment folder (with index.json)`;
}

export function interrupted(): string {
  return 'interrupted: finished cells are intact; the running cells say "interrupted" in their summary.json';
}

/** One line per finished cell (the run command's output off a terminal). */
export function cellFinished(label: string, s: { status: string; steps: number; finalLoss: number | null; testAcc: number | null; trainAcc: number | null; timeSec: number; stepsPerSec: number; diverged?: { step: number; layer: number | null; what: string } }, dir: string): string {
  const acc = s.testAcc ?? s.trainAcc;
  const parts = [
    `${label}: ${s.status}`,
    s.diverged ? `at step ${s.diverged.step}${s.diverged.layer === null ? '' : ` in layer ${s.diverged.layer}`} (${s.diverged.what})` : '',
    `${s.steps} steps`,
    s.finalLoss === null ? '' : `loss ${s.finalLoss.toPrecision(4)}`,
    acc === null ? '' : `${s.testAcc !== null ? 'test' : 'train'} acc ${(100 * acc).toFixed(1)}%`,
    `${s.timeSec.toFixed(1)}s (${s.stepsPerSec.toFixed(0)} steps/s)`,
    `-> ${dir}`,
  ];
  return parts.filter(Boolean).join('  ');
}

export function cellFailed(label: string, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `${label}: failed: ${text}`;
}

export function reportFailed(dir: string, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `${shorten(dir)}: the report could not be written (${text}); the run's numbers are on disk, retry with gradflow report ${shorten(dir)}`;
}

// Shards (src/shard), resume (src/train/run.ts, src/results/cell-state.ts) and merge (src/shard/merge.ts)

const SHARD_FORM = 'I/N with integers 1 <= I <= N (1-based, like vitest and Playwright: --shard 1/4 ... --shard 4/4), or "auto" to read the scheduler\'s variables';

/** `--shard 0/4`, `--shard 5/4`, `--shard two`. */
export function badShardFlag(value: unknown): string {
  return badFlag('--shard', value, SHARD_FORM);
}

export function shardEnvNotInteger(name: string, value: string): string {
  return `--shard auto: ${name}=${show(value)} is not allowed: expected a non-negative integer`;
}

export function shardEnvRange(name: string, value: unknown, expected: string): string {
  return `--shard auto: ${name}=${show(value)} is not allowed: expected ${expected}`;
}

/** The index variable is set, the count is not. */
export function shardEnvMissing(indexVar: string, countVars: readonly string[], slurm = false): string {
  const hint = indexVar === 'JOB_COMPLETION_INDEX'
    ? ' (Kubernetes does not export the completions count: add `env: [{name: GRADFLOW_SHARD_COUNT, value: "<completions>"}]` to the pod template; see docs/scale-out.md)'
    : slurm ? ' (Slurm sets them for job arrays: submit with sbatch --array=0-<N-1>)' : '';
  const names = countVars.length === 1 ? countVars[0] : slurm ? countVars.join(' and ') : countVars.join(' or ');
  return `--shard auto: ${indexVar} is set but ${names} ${slurm && countVars.length > 1 ? 'are' : 'is'} not${hint}`;
}

export function shardEnvDisagree(a: string, av: number, b: string, bv: number): string {
  return `--shard auto: ${a}=${av} and ${b}=${bv} disagree: expected the same shard count in both (or set only one)`;
}

export function shardEnvSlurmGaps(min: number, max: number | undefined, count: number, step: number | undefined): string {
  const got = [`SLURM_ARRAY_TASK_MIN=${min}`, max === undefined ? '' : `SLURM_ARRAY_TASK_MAX=${max}`, `SLURM_ARRAY_TASK_COUNT=${count}`, step === undefined ? '' : `SLURM_ARRAY_TASK_STEP=${step}`].filter(Boolean).join(', ');
  return `--shard auto: the Slurm array is not contiguous (${got}): expected an array without gaps or steps such as --array=0-${count - 1}; or pass --shard I/N yourself`;
}

export function shardEnvNone(): string {
  return '--shard auto: no shard in the environment: expected GRADFLOW_SHARD_INDEX (1-based) with GRADFLOW_SHARD_COUNT, JOB_COMPLETION_INDEX (Kubernetes Indexed Job) with GRADFLOW_SHARD_COUNT, or SLURM_ARRAY_TASK_ID (Slurm job array)';
}

/** What this shard runs: `shard 2/4 (--shard 2/4): tiny: 6 of 24 cells, 24.8% of the estimated cost`. */
export function shardCells(experiment: string, shard: { index: number; count: number; source: string }, mine: number, total: number, share: number): string {
  return `shard ${shard.index}/${shard.count} (${shard.source}): ${experiment}: ${mine} of ${total} cells, ${(100 * share).toFixed(1)}% of the estimated cost`;
}

export function cellSkipped(label: string, status: string): string {
  return `${label}: skipped: already finished (${status}) with the same config`;
}

export function cellConfigChanged(label: string, status: string): string {
  return `${label}: finished (${status}) with another config; training it again`;
}

export function skippedCount(experiment: string, skipped: number, total: number): string {
  return `${experiment}: ${skipped} of ${total} cells already finished, skipped; training ${total - skipped}`;
}

export function mergeNotAFolder(path: string): string {
  return `${shorten(path)}: not a folder: expected an experiment folder (with index.json or index.shard-I-of-N.json) or a folder of them`;
}

export function mergeNothingFound(path: string): string {
  return `${shorten(path)}: no experiment found: expected an experiment folder (with index.json or index.shard-I-of-N.json) or a folder whose subfolders are experiment folders`;
}

export function mergeUnreadable(path: string, code: string): string {
  return `${shorten(path)}: cannot read the folder (${code}); expected a folder this user can read`;
}

export function mergeBadIndex(file: string, detail: string): string {
  return `${shorten(file)}: not a gradflow index file (${detail})`;
}

export function mergePlansDisagree(experiment: string, a: string, b: string): string {
  return `${experiment}: ${shorten(a)} and ${shorten(b)} list different cells or configs: expected shards of one config (remove the stale index files of an older run)`;
}

export function mergeMissing(experiment: string, id: string, shard: { index: number; count: number } | null): string {
  return `${experiment}/${id}: missing${shard ? ` (shard ${shard.index}/${shard.count})` : ''}: no folder of this cell in the merged folders`;
}

export function mergeDuplicate(experiment: string, id: string, dirs: readonly string[]): string {
  return `${experiment}/${id}: duplicate: found in ${dirs.map((d) => shorten(d)).join(' and ')}; expected exactly one`;
}

export function mergeUnfinished(experiment: string, id: string, status: string, dir: string): string {
  return `${experiment}/${id}: not finished (${status}) in ${shorten(dir)}: expected status ok or diverged; rerun its shard (finished cells are skipped)`;
}

export function mergeChanged(experiment: string, id: string, dir: string): string {
  return `${experiment}/${id}: ${shorten(dir)} holds a run of another config (its config.json hash differs from the plan); rerun its shard`;
}

export function mergeExtra(experiment: string, id: string, dir: string): string {
  return `${experiment}/${id}: not a cell of the experiment's plan, left out (${shorten(dir)})`;
}

export function mergeIncomplete(experiment: string, problems: number, cells: number): string {
  return `${experiment}: ${problems} of ${cells} cells missing, duplicated or unfinished; nothing written`;
}

export function merged(experiment: string, cells: number, sources: number, dir: string): string {
  return `${experiment}: merged ${cells} cells from ${sources} folder${sources === 1 ? '' : 's'} -> ${dir}`;
}

// Cluster submission (src/cluster)

/** Where the submit commands write, and what they refuse. */
export function submitShardsTooMany(shards: number, cells: number, experiment: string): string {
  return badFlag('--shards', shards, `an integer in [1, ${cells}]: ${experiment} has ${cells} cell${cells === 1 ? '' : 's'}, and a shard without cells would only start a job that does nothing`);
}

export function submitRelativeSweptFile(at: string, value: unknown): string {
  return `${at}: ${show(value)} is a relative path, which a cluster job cannot keep (it reads a copy of the config from another folder, and an absolute value would rename the cell): expected an absolute path`;
}

export function submitSbatchMissing(): string {
  return 'sbatch: not found on PATH: run gradflow submit slurm on a machine that submits to Slurm (a login node), or add --dry-run to only write the scripts';
}

export function submitOutPath(dir: string): string {
  return badFlag('--out', dir, 'a folder whose absolute path has no blanks or shell characters (letters, digits and _ . / + @ , : = -): Slurm reads the log path from an #SBATCH line, which has no quoting');
}

export function submitSbatchFailed(script: string, code: number | null, detail: string): string {
  return `sbatch ${script}: failed (exit ${code ?? 'signal'}): ${detail.trim() || 'no output'}`;
}

export function submitSbatchNoId(script: string, output: string): string {
  return `sbatch --parsable ${script}: expected a job id, got ${show(output.trim())}`;
}

export function submitMergeNotQueued(arrayJob: string): string {
  return `the array job ${arrayJob} is queued but its merge is not: cancel it (scancel ${arrayJob}) or submit the merge yourself (sbatch --dependency=afterok:${arrayJob} merge.sbatch)`;
}

export function submitWrote(experiment: string, files: readonly string[], sha: string): string {
  return `${experiment}: wrote ${files.join(', ')} (config sha256 ${sha.slice(0, 12)})`;
}

export function submitSlurmQueued(experiment: string, arrayJob: string, shards: number, mergeJob: string): string {
  return `${experiment}: submitted array job ${arrayJob} (${shards} task${shards === 1 ? '' : 's'}) and merge job ${mergeJob} (runs once every task of ${arrayJob} succeeded)`;
}

export function submitSlurmFollow(arrayJob: string, mergeJob: string, logs: string, results: string): string[] {
  return [
    `  follow:  squeue -j ${arrayJob},${mergeJob}`,
    `  history: sacct -j ${arrayJob},${mergeJob} --format=JobID,JobName%40,State,ExitCode,Elapsed`,
    `  logs:    ${logs}`,
    `  results: ${results}`,
  ];
}

export function submitSlurmDryRun(arrayScript: string, mergeScript: string): string[] {
  return [
    '  not submitted (--dry-run); to submit:',
    `  jid=$(sbatch --parsable ${arrayScript}) && sbatch --parsable --dependency=afterok:\${jid%%;*} ${mergeScript}`,
  ];
}

export function submitK8sNext(dir: string, job: string, files: { readonly pvc: string; readonly config: string; readonly job: string; readonly merge: string }): string[] {
  return [
    `  kubectl apply -f ${files.pvc} -f ${files.config} -f ${files.job}`,
    `  kubectl wait --for=condition=complete --timeout=24h job/${job}`,
    `  kubectl apply -f ${files.merge}`,
    `  kubectl wait --for=condition=complete --timeout=1h job/${job}-merge && kubectl logs job/${job}-merge`,
    `  (gradflow never calls kubectl; the manifests are in ${dir})`,
  ];
}

export function submitK8sImageNote(image: string): string {
  return `note: --image ${image} is a tag: a pod started later may pull other code; pin it by digest (name@sha256:...) to run exactly this build`;
}

export function submitK8sFileNote(field: string, file: string): string {
  return `note: ${field} names ${file} on this machine: the pods must see the same file at the same path (bake it into the image or mount it)`;
}

/** Lines the generated Slurm scripts print when they refuse to start (bash, with its variables). */
export const slurmScriptText = {
  noNode: '$NODE: not an executable Node binary (pinned when the script was written); run gradflow submit slurm again',
  noRepo: '$REPO: not a gradflow checkout (no bin/gradflow.mjs); run gradflow submit slurm again',
  unreadable: '$CONFIG: cannot be read',
  changed: '$CONFIG: changed since the script was written (sha256 $actual, expected $CONFIG_SHA256): nothing run; run gradflow submit slurm again',
} as const;

export function needScheduler(): string {
  return 'name a scheduler: gradflow submit slurm <config> --shards N, or gradflow submit k8s <config> --shards N --image IMAGE';
}

// The live view (src/watch)

export function watchNotAFolder(folder: string): string {
  return `${folder}: not a folder: expected a results folder, an experiment folder (<out>/<name>) or a cell folder to watch`;
}

export function watchPortInUse(port: number, host: string): string {
  return badFlag('--port', port, `a free port: ${port} is in use on ${host}; choose another, or --port 0 for any free one`);
}

export function watchCannotListen(host: string, port: number, detail: string): string {
  return badFlag('--host', host, `an address of this machine to listen on (127.0.0.1 by default); listening on ${host}:${port} failed: ${detail}`);
}

export function watchDefaultPortTaken(port: number, url: string): string {
  return `note: port ${port} is in use; serving on ${url} instead`;
}

export function watchServing(folder: string): string {
  return `serving ${folder} live and read-only; Ctrl-C to stop`;
}

export function watchPublic(host: string): string {
  return `warning: --host ${host}: the results folder is readable by anyone who can reach this address (read-only; no authentication)`;
}

export function watchOpenFailed(url: string, detail: string): string {
  return `note: could not open a browser (${detail}); open ${url} yourself`;
}

export function watchRunEnded(url: string): string {
  return `the run has ended; still serving ${url} (Ctrl-C to stop)`;
}
