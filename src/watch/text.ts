/**
 * Every user-facing string of the live pages (`gradflow watch`), as data: the server escapes them
 * into the markup, and the page script only ever sets them as text.
 */
import type { CellStatus } from './folder.js';

export const WATCH = {
  kicker: 'gradflow watch · live',
  folderTitle: 'Results folder',
  folderEmpty: 'No experiment or cell folder here yet; this page reloads when one appears.',
  experimentKicker: 'experiment',
  cellKicker: 'cell',
  cellsHeading: 'Cells',
  chartsHeading: 'Training, as it is written',
  staticReport: 'static report (report.html)',
  up: 'up',
  columns: { cell: 'cell', status: 'status', progress: 'progress', step: 'step', loss: 'loss', shard: 'shard' },
  /** `4 cells: 2 ok, 1 running, 1 pending` (the page script writes the same form). */
  cells: 'cells',
  counts: (counts: Readonly<Record<string, number>>, total: number): string =>
    `${total} cells: ` + Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', '),
  shards: (shards: readonly string[]): string => (shards.length ? `shard index files: ${shards.join(', ')}` : ''),
  connectionLost: 'connection to gradflow watch lost; retrying',
  updated: 'updated live from the files on disk; nothing here changes them',
  /** `{n}` is the number of records received. */
  records: '{n} records',
  stepOf: (step: number | null, steps: number | null): string => (step === null ? '–' : steps === null ? String(step) : `${step} / ${steps}`),
  charts: {
    loss: { title: 'Loss', caption: 'Training loss of each recorded batch, and the evaluation losses where the run measured them.' },
    grad: { title: 'Gradient norm per layer', caption: '‖dL/dW‖ of each layer (log scale): layers far below the others learn slowly.' },
    act: { title: 'Activation spread per layer', caption: 'Standard deviation of each layer’s activations on the probe batch.' },
  },
  axis: { step: 'step', value: 'loss', gradNorm: '‖dL/dW‖ (log)', actStd: 'std of activation', layer: 'layer', series: 'series' },
  status: {
    pending: 'pending',
    running: 'running',
    stopped: 'stopped (its run is gone)',
    ok: 'ok',
    diverged: 'diverged',
    interrupted: 'interrupted',
    failed: 'failed',
  } satisfies Record<CellStatus, string>,
} as const;
