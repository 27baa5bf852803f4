/**
 * The data contract between src/data and the trainer. Features are row-major float64,
 * x: [n, inputDim]; classification labels are int32 in [0, classes); regression targets are
 * float64, y: [n, outputDim]. The trainer converts features and targets to the model dtype.
 */

export type Task = 'classification' | 'regression';

/** Per-feature statistics of the training rows, used as x' = (x - mean) / std. */
export interface Standardization {
  /** [inputDim] */
  readonly mean: Float64Array;
  /** [inputDim]; a feature that is constant on the training rows gets std 1 (it is only centred), as scikit-learn's StandardScaler. */
  readonly std: Float64Array;
}

export interface DatasetMeta {
  /** The options the data set was built from, every default filled in. */
  readonly params: Readonly<Record<string, number | boolean | string | null>>;
  /** Row indices, in the generated (pre-split) order, of the training rows, in their order in xTrain. */
  readonly trainIndex: Int32Array;
  /** Likewise for the test rows. */
  readonly testIndex: Int32Array;
  /** Set when `standardize: true`. */
  readonly standardization: Standardization | null;
  /** The file read, for `tensors` (absolute path). */
  readonly source?: string;
}

interface DatasetBase {
  /** The data kind (`spirals`, `mnist`, ...). */
  readonly name: string;
  /** [nTrain, inputDim] */
  readonly xTrain: Float64Array;
  /** [nTest, inputDim]; empty when testFraction is 0. */
  readonly xTest: Float64Array;
  readonly nTrain: number;
  readonly nTest: number;
  readonly inputDim: number;
  /** classes for classification, target dimensions for regression. */
  readonly outputDim: number;
  readonly meta: DatasetMeta;
}

export interface ClassificationDataset extends DatasetBase {
  readonly task: 'classification';
  /** [nTrain] labels in [0, classes) */
  readonly yTrain: Int32Array;
  readonly yTest: Int32Array;
  readonly classes: number;
}

export interface RegressionDataset extends DatasetBase {
  readonly task: 'regression';
  /** [nTrain, outputDim] */
  readonly yTrain: Float64Array;
  readonly yTest: Float64Array;
  readonly classes?: undefined;
}

export type Dataset = ClassificationDataset | RegressionDataset;

/** All the rows of a data set before the split: what a generator or reader produces. */
export type RawData =
  | { readonly task: 'classification'; readonly x: Float64Array; readonly y: Int32Array; readonly n: number; readonly d: number; readonly classes: number }
  | { readonly task: 'regression'; readonly x: Float64Array; readonly y: Float64Array; readonly n: number; readonly d: number; readonly k: number };

/** What a loader needs from its caller besides the options: where relative paths start. */
export interface LoadContext {
  /** Directory that relative paths (`tensors`' `path`) are resolved against: the config file's folder. */
  readonly baseDir: string;
}
