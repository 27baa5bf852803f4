/**
 * The cost of activations: CPU time of the batched forward + backward kernels of the registry,
 * timed in interleaved rounds (analytic.ts timeActivations). One sample per round: the ratio
 * of the pair (reduced over several pairs by max or min); the verdict reads the median with its
 * distribution-free 95% interval, since timing rounds have long tails.
 */
import { z } from 'zod';
import type { ActivationName } from '../../net/activations.js';
import { stripChart } from '../../report/specs/claims.js';
import { timeActivations } from '../analytic.js';
import { fmtNum } from '../predicates.js';
import * as prose from '../prose.js';
import { median } from '../stats.js';
import { AXES } from '../text.js';
import { activationName } from './common.js';
import { empirical } from './types.js';

export const kernelSpeed = empirical({
  doc: 'CPU time ratio of activation kernels per interleaved round (largest or smallest over the pairs); median with its order-statistic interval.',
  roles: {},
  params: z.strictObject({
    pairs: z.array(z.tuple([activationName, activationName])).min(1),
    reduce: z.enum(['min', 'max']),
    n: z.int().min(1024),
    rounds: z.int().min(6),
    warmup: z.int().min(0),
    repeats: z.int().min(1),
  }),
  evaluate({ params: p, seedBase }) {
    const names = [...new Set(p.pairs.flat())] as ActivationName[];
    const study = timeActivations(names, p.pairs, { n: p.n, rounds: p.rounds, warmup: p.warmup, repeats: p.repeats, seed: seedBase });
    const perRound = study.rounds.map((_, i) => {
      const rs = study.ratios.map((r) => r.perRound[i]);
      return p.reduce === 'max' ? Math.max(...rs) : Math.min(...rs);
    });
    const ms = (name: string): number | null => median(study.rounds.map((r) => r.seconds[name] * 1000));
    const medians = study.ratios.map((r) => ({ name: r.pair, value: r.median }));
    return {
      samples: perRound.map((value, round) => ({ seed: round, value })),
      method: 'median',
      info: [
        `median CPU ms per forward + backward of ${p.n} values: ${names.map((n) => `${n} ${fmtNum(ms(n))}`).join(', ')} (${p.rounds} rounds after ${p.warmup} warm-up, fastest of ${p.repeats} calls each)`,
        'These time the TypeScript registry entries; a float32 model on the wasm kernel runs its own fused loops.',
      ],
      figures: [{
        spec: stripChart({
          title: 'Time ratios per round', description: 'Each point is one interleaved round; the red tick is the median.',
          rows: study.ratios.flatMap((r) => r.perRound.map((v) => ({ group: r.pair, value: v }))),
          ticks: study.ratios.map((r) => ({ group: r.pair, value: r.median })), groupTitle: 'ratio', yTitle: AXES.ratio, logY: true,
          rules: [{ y: 1, label: 'equal' }],
        }),
        caption: prose.valuesCaption('Median CPU time ratio per pair over the rounds (below 1: the first is faster)', medians),
      }],
    };
  },
});
