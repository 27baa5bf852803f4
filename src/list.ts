/**
 * `gradflow list`: every registry with its entries, aliases, parameters and defaults, read from
 * the registries themselves so the list can never fall out of step with the code.
 */
import { DATA_KINDS, DATASETS } from './data/index.js';
import { ACTIVATION_NAMES, ACTIVATIONS, activationParams } from './net/activations.js';
import { INITIALIZER_NAMES, INITIALIZERS } from './net/initializers.js';
import { LOSS_NAMES, LOSSES } from './net/losses.js';
import { NORM_NAMES, NORMS } from './net/norm.js';
import { OPTIMIZER_NAMES, OPTIMIZERS } from './net/optimizers.js';
import type { ParamSpecs } from './net/params.js';

/** One line a parameter: name, default and doc (the doc states an exclusive bound, e.g. "in [0, 1)"). */
function paramText(params: ParamSpecs): string {
  const entries = Object.entries(params);
  if (entries.length === 0) return '';
  return entries.map(([k, s]) => `      ${k} = ${JSON.stringify(s.default)}  ${s.doc}`).join('\n');
}

function section(title: string, rows: readonly { name: string; aliases: readonly string[]; doc: string; params: ParamSpecs }[]): string {
  const lines = [`${title}:`];
  for (const r of rows) {
    const alias = r.aliases.length ? ` (also: ${r.aliases.join(', ')})` : '';
    lines.push(`  ${r.name}${alias}  ${r.doc}`);
    const p = paramText(r.params);
    if (p) lines.push(p);
  }
  return lines.join('\n');
}

export function listRegistries(): string {
  return [
    section(
      'activations',
      ACTIVATION_NAMES.map((n) => {
        const a = ACTIVATIONS[n];
        const r = a.range(activationParams(n));
        const range = `${r.loClosed ? '[' : '('}${r.lo}, ${r.hi}${r.hiClosed ? ']' : ')'}`;
        return { name: n, aliases: a.aliases, doc: `${a.formula}; range ${range}; kink: ${a.kink}; ${a.paper}`, params: a.params };
      }),
    ),
    section('initializers', INITIALIZER_NAMES.map((n) => ({ name: n, ...INITIALIZERS[n] }))),
    section('norms (model.norm)', NORM_NAMES.map((n) => ({ name: n, ...NORMS[n] }))),
    section('data', DATA_KINDS.map((n) => ({ name: n, aliases: DATASETS[n].aliases, doc: `${DATASETS[n].doc} [${DATASETS[n].task}]`, params: DATASETS[n].params }))),
    section('optimizers', OPTIMIZER_NAMES.map((n) => ({ name: n, ...OPTIMIZERS[n] }))),
    section('losses', LOSS_NAMES.map((n) => ({ name: n, ...LOSSES[n] }))),
  ].join('\n\n');
}
