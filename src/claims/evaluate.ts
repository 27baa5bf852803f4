/**
 * One claim from its runs to its verdict record: run the check (identity or empirical), decide
 * (verdict.ts), and add the effect figure of an empirical claim before the check's own figures.
 * A check that throws leaves an identity failing and an empirical claim inconclusive, with the
 * error as the reason.
 */
import { intervalChart } from '../report/specs/claims.js';
import type { CheckContext } from './checks/index.js';
import type { LoadedClaim } from './load.js';
import * as prose from './prose.js';
import { MissingRunError, type ArmRuns } from './runs.js';
import type { Claim, ClaimsFile, EmpiricalClaim, IdentityClaim } from './schema.js';
import { evaluationSeeds } from './studies.js';
import { AXES } from './text.js';
import type { ClaimVerdict, EmpiricalOutcome, Figure, IdentityOutcome } from './types.js';
import { armReport, empiricalVerdict, identityVerdict, type UsedArm } from './verdict.js';

export interface Evaluated {
  readonly claim: Claim;
  readonly verdict: ClaimVerdict;
  readonly figures: readonly Figure[];
  /** Experiment folders of the arms read (for links). */
  readonly armDirs: readonly { readonly ref: string; readonly dir: string }[];
}

const errorText = (id: string, err: unknown): string => (err instanceof MissingRunError ? err.message : prose.checkError(id, err));

function context<C>(c: LoadedClaim, claim: C, arms: ReadonlyMap<string, ArmRuns>, seeds: readonly number[], seedBase: number, t: Readonly<Record<string, number>>): CheckContext<unknown, C> {
  const roles = c.claim.kind === 'untestable' ? {} : c.claim.arms;
  const get = (ref: string): ArmRuns => {
    const a = arms.get(ref);
    if (a === undefined) throw new MissingRunError(ref);
    return a;
  };
  const list = (role: string): readonly string[] => {
    const r = roles[role];
    return r === undefined ? [] : Array.isArray(r) ? r : [r];
  };
  return {
    claim, params: c.params, t, seedBase, seeds,
    arm: (role) => get(list(role)[0] ?? role),
    arms: (role) => list(role).map(get),
  };
}

/** The evaluation seeds of a claim's arms (their studies share a seed count; see load.ts). */
function seedsOf(c: LoadedClaim, data: ClaimsFile, seedBase: number): number[] {
  const study = c.armRefs.map((r) => data.studies[r.split('/')[0]]).find((s) => s !== undefined);
  return study === undefined ? [] : evaluationSeeds(study, seedBase);
}

const base = (c: LoadedClaim): Pick<ClaimVerdict, 'id' | 'title' | 'kind' | 'section' | 'erratum' | 'expected'> => ({
  id: c.claim.id, title: c.claim.title, kind: c.claim.kind, section: c.claim.section, erratum: c.claim.erratum, expected: c.claim.expected,
});

const cellsRead = (c: LoadedClaim, arms: ReadonlyMap<string, ArmRuns>): string[] => c.armRefs.flatMap((r) => arms.get(r)?.cells.map((x) => x.ref) ?? []);

async function evaluateIdentity(c: LoadedClaim, claim: IdentityClaim, arms: ReadonlyMap<string, ArmRuns>, seedBase: number, data: ClaimsFile): Promise<Evaluated> {
  let o: IdentityOutcome;
  let error: string | undefined;
  try {
    if (c.def?.kind !== 'identity') throw new Error(`check ${claim.check} is not an identity check`);
    o = await c.def.evaluate(context(c, claim, arms, seedsOf(c, data, seedBase), seedBase, claim.thresholds));
  } catch (err) {
    o = { measures: [], figures: [] };
    error = errorText(claim.id, err);
  }
  const v = identityVerdict(o);
  const reason = error ?? v.reason;
  return {
    claim,
    verdict: {
      ...base(c), verdict: v.verdict, asExpected: v.verdict === claim.expected, ...(reason ? { reason } : {}),
      measures: o.measures, info: o.info ?? [], runs: cellsRead(c, arms), thresholds: claim.thresholds,
    },
    figures: o.figures,
    armDirs: c.armRefs.flatMap((r) => (arms.has(r) ? [{ ref: r, dir: arms.get(r)!.dir }] : [])),
  };
}

async function evaluateEmpirical(c: LoadedClaim, claim: EmpiricalClaim, arms: ReadonlyMap<string, ArmRuns>, seedBase: number, data: ClaimsFile): Promise<Evaluated> {
  const seeds = seedsOf(c, data, seedBase);
  let o: EmpiricalOutcome;
  let error: string | undefined;
  try {
    if (c.def?.kind !== 'empirical') throw new Error(`check ${claim.check} is not an empirical check`);
    o = await c.def.evaluate(context(c, claim, arms, seeds, seedBase, {}));
  } catch (err) {
    o = { samples: [], figures: [] };
    error = errorText(claim.id, err);
  }
  const gated = claim.gate ?? Object.keys(claim.arms);
  const used: UsedArm[] = Object.entries(claim.arms).flatMap(([role, refs]) =>
    (Array.isArray(refs) ? refs : [refs]).flatMap((ref) => {
      const runs = arms.get(ref);
      const study = data.studies[ref.split('/')[0]];
      return runs && study ? [{ role, runs, study, gated: gated.includes(role) }] : [];
    }),
  );
  const armsOut = used.map((u) => armReport(u, seeds));
  const r = empiricalVerdict(claim, o, armsOut);
  const verdict = error !== undefined ? 'inconclusive' : r.verdict;
  const reason = error ?? r.reason;
  const unit = o.method === 'median' ? 'round' : 'seed';
  const effectFigure: Figure = {
    spec: intervalChart({
      title: `Effect per ${unit}`, description: `${claim.effect.name} per ${unit}, its estimate and 95% interval, and the threshold.`,
      samples: r.effect.perSeed, estimate: r.interval, threshold: claim.effect.threshold, yTitle: AXES.effect, seedTitle: unit === 'seed' ? AXES.seed : 'round',
    }),
    caption: prose.effectCaption(claim.effect.name, r.interval, claim.effect.direction, claim.effect.threshold, unit),
  };
  const measures = [
    {
      label: claim.effect.name,
      value: r.effect.value,
      threshold: `${claim.effect.direction} ${claim.effect.threshold} (95% interval)`,
      pass: verdict === 'reproduced' ? true : verdict === 'not reproduced' ? false : null,
    },
    ...(o.preconditions ?? []),
  ];
  return {
    claim,
    verdict: {
      ...base(c), verdict, asExpected: verdict === claim.expected, ...(reason ? { reason } : {}),
      measures, info: [prose.intervalSentence(claim.effect.name, r.interval, claim.effect.direction, claim.effect.threshold), ...(o.info ?? [])],
      runs: cellsRead(c, arms), seeds: unit === 'seed' ? seeds.length : r.effect.perSeed.length, arms: armsOut, effect: r.effect,
    },
    figures: [effectFigure, ...o.figures],
    armDirs: c.armRefs.flatMap((ref) => (arms.has(ref) ? [{ ref, dir: arms.get(ref)!.dir }] : [])),
  };
}

/** Measures and judges one claim. */
export async function evaluateClaim(c: LoadedClaim, arms: ReadonlyMap<string, ArmRuns>, seedBase: number, data: ClaimsFile): Promise<Evaluated> {
  const claim = c.claim;
  if (claim.kind === 'identity') return evaluateIdentity(c, claim, arms, seedBase, data);
  if (claim.kind === 'empirical') return evaluateEmpirical(c, claim, arms, seedBase, data);
  return {
    claim,
    verdict: { ...base(c), verdict: 'untestable', asExpected: true, reason: claim.reason, measures: [], info: [], runs: [] },
    figures: [],
    armDirs: [],
  };
}

