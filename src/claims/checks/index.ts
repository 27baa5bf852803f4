/**
 * The check registry: every way of measuring a claim, by name, grouped by family. The claims file
 * names a check; its kind (identity or empirical) must be the claim's kind.
 */
import { centred, centringRatio, sparseEarlier } from './centring.js';
import { crelu, deadUnitGradient, leakyIsMax, linearAffine, seluIsScaledElu } from './constructions.js';
import { derivativeDominates, derivativePeak, reluKink } from './derivatives.js';
import { creluNegativeHalf, eluCurvature, leakyFigureAlpha, relu6Figure, reluZeroConvention, seluAsymptote, tanhReachesOne } from './errata.js';
import { boundedStays, outputRanges, relu6Cap, squashing } from './ranges.js';
import { normGradientRate, residualBounded } from './remedies.js';
import { leavesDomain, postSeluCode, selfNormalising, seluAttracts, seluFixedPoint } from './selu.js';
import { blowUp, forwardScale, gradientRatio, sparsity, strongerGradients } from './signal.js';
import { kernelSpeed } from './speed.js';
import { compare, level, saturation } from './training.js';
import type { CheckDef } from './types.js';

export const CHECKS = {
  // identities: the code against the formula
  derivativePeak, reluKink, derivativeDominates,
  outputRanges, boundedStays, relu6Cap, squashing,
  crelu, linearAffine, seluIsScaledElu, leakyIsMax, deadUnitGradient,
  seluFixedPoint, seluAttracts, postSeluCode,
  creluNegativeHalf, leakyFigureAlpha, seluAsymptote, eluCurvature, relu6Figure, tanhReachesOne, reluZeroConvention,
  // empirical: an effect per evaluation seed
  gradientRatio, strongerGradients, sparsity, forwardScale, blowUp,
  selfNormalising, leavesDomain,
  compare, level, saturation,
  centred, centringRatio, sparseEarlier,
  kernelSpeed,
  normGradientRate, residualBounded,
} as const satisfies Record<string, CheckDef>;

export type CheckName = keyof typeof CHECKS;
export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];

export function isCheckName(name: string): name is CheckName {
  return Object.hasOwn(CHECKS, name);
}

export type { CheckContext, CheckDef, EmpiricalCheck, IdentityCheck } from './types.js';
