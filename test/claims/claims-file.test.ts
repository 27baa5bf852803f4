import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKS, CHECK_NAMES } from '../../src/claims/checks/index.js';
import { CLAIMS_FILE, CONFIGS_DIR, ClaimsError, loadClaims } from '../../src/claims/load.js';
import { MAX_SEED_BASE, selects, type Claim, type EmpiricalClaim } from '../../src/claims/schema.js';
import { firstReaching, lowest } from '../../src/claims/tune.js';

const loaded = loadClaims();
const claims = loaded.claims.map((c) => c.claim);
const byIdLoaded = (id: string): Claim => claims.find((c) => c.id === id)!;
const tmp = mkdtempSync(join(tmpdir(), 'gradflow-claims-file-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type RawFile = { studies: Record<string, Record<string, unknown>>; claims: Record<string, unknown>[] };
let edits = 0;
/** The committed claims file with `edit` applied to a copy, loaded from a temp file: its error messages. */
function loadEdited(edit: (file: RawFile) => void): string[] {
  const file = JSON.parse(readFileSync(CLAIMS_FILE, 'utf8')) as RawFile;
  edit(file);
  const path = join(tmp, `claims-${++edits}.json`);
  writeFileSync(path, JSON.stringify(file));
  try {
    loadClaims(path, CONFIGS_DIR);
    return [];
  } catch (err) {
    if (err instanceof ClaimsError) return [...err.messages];
    throw err;
  }
}
const byId = (file: RawFile, id: string): Record<string, unknown> => file.claims.find((c) => c.id === id)!;

describe('experiments/claims.json', () => {
  it('validates, and keeps identities, empirical claims and untestable entries apart', () => {
    const kinds = (k: string): number => claims.filter((c) => c.kind === k).length;
    expect(kinds('identity')).toBeGreaterThanOrEqual(20);
    expect(kinds('empirical')).toBeGreaterThanOrEqual(25);
    expect(kinds('untestable')).toBeGreaterThanOrEqual(2);
  });

  it('covers every statement the post makes that the suite listed as uncovered', () => {
    const covered: Record<string, string> = {
      '38': 'untestable', // sparsity helps prediction and reduces overfitting
      '12d': 'empirical', // dying ReLUs stop convergence
      '17c': 'untestable', // ELU's cost repaid by faster convergence, in time
      '17d': 'empirical', // ELU's better test performance
      '37': 'empirical', // ReLU6 learns sparse features earlier
      '15c': 'empirical', // unbounded activations unstable during training
      '14c': 'empirical', // PReLU beats ReLU on image data
      '28': 'identity', // every activation a squashing function
      '31': 'identity', // CReLU's [0, x]
      '32': 'identity', // the leaky figure's alpha
      '29': 'identity', // the post's SELU without lambda on x >= 0
      '30': 'identity', // the post's relu'(0) = 1
    };
    for (const [id, kind] of Object.entries(covered)) expect(byIdLoaded(id)?.kind, `claim ${id}`).toBe(kind);
  });

  it('measures every erratum instead of stating it', () => {
    const errata = claims.filter((c) => c.erratum);
    expect(errata.length).toBeGreaterThanOrEqual(8);
    for (const c of errata) expect(c.kind, c.id).toBe('identity');
  });

  it('runs every empirical claim on at least 5 evaluation seeds per arm, from one seed count per claim', () => {
    for (const l of loaded.claims.filter((c) => c.claim.kind === 'empirical')) {
      const counts = new Set(l.armRefs.map((r) => loaded.data.studies[r.split('/')[0]].seeds));
      expect(counts.size, l.claim.id).toBeLessThanOrEqual(1);
      for (const n of counts) expect(n, l.claim.id).toBeGreaterThanOrEqual(5);
    }
  });

  it('judges the wide-network claims at width 256 or more, beside a width sweep from 32 to 1024', () => {
    for (const id of ['8', '9', '16', '18a', '26']) {
      const c = byIdLoaded(id) as EmpiricalClaim;
      expect((c.params as { width: number }).width, id).toBeGreaterThanOrEqual(256);
      const refs = Object.values(c.arms).flat();
      const swept = refs.some((r) => {
        const [s, a] = r.split('/');
        const sweep = loaded.data.studies[s].arms[a].set.sweep as Record<string, number[]> | undefined;
        return sweep?.['model.width'] !== undefined && Math.min(...sweep['model.width']) === 32 && Math.max(...sweep['model.width']) === 1024;
      });
      expect(swept, id).toBe(true);
    }
  });

  it('records for every tuned arm a rate of its grid, and the rate the recorded scores choose', () => {
    for (const [name, study] of Object.entries(loaded.data.studies)) {
      if (study.tune === null) continue;
      for (const t of study.tune.seeds) expect(t).toBeGreaterThan(MAX_SEED_BASE + 50);
      const select = study.tune.select;
      for (const [armName, arm] of Object.entries(study.arms)) {
        expect(study.tune.grid, `${name}/${armName}`).toContain(arm.lr);
        const scores = arm.tuning;
        if (scores === undefined || scores.length === 0) continue;
        expect(scores.map((x) => x.lr), `${name}/${armName}`).toEqual(study.tune.grid);
        expect(arm.lr, `${name}/${armName}`).toBe(select.by === 'loss' ? lowest(scores) : firstReaching(scores, select.min));
      }
    }
  });

  it('uses every study config, and every claim config file is used by a study', () => {
    const files = readdirSync(CONFIGS_DIR).filter((f) => f.startsWith('claim-'));
    const used = new Set(Object.values(loaded.data.studies).map((s) => s.config));
    expect([...used].sort()).toEqual(files.sort());
  });
});

describe.each(CHECK_NAMES.map((n) => [n, CHECKS[n]] as const))('check %s', (name, def) => {
  it('is used by a claim of its own kind', () => {
    const users = loaded.claims.filter((c) => c.claim.kind !== 'untestable' && c.claim.check === name);
    expect(users.length).toBeGreaterThan(0);
    for (const u of users) expect(u.claim.kind).toBe(def.kind);
  });

  it('says what it does', () => {
    expect(def.doc.length).toBeGreaterThan(20);
  });
});

describe('loadClaims', () => {
  it('names the claim and the field of each problem, all at once', () => {
    const messages = loadEdited((f) => {
      byId(f, '4').check = 'vanishes';
      delete (byId(f, '21').thresholds as Record<string, number>).tol;
      (byId(f, '23').thresholds as Record<string, number>).extra = 1;
      byId(f, '6').arms = { strong: 'tanh-init/glorot', weak: 'tanh-init/swish' };
      byId(f, '15').arms = { nets: 'blowup/relu' };
      byId(f, '9').check = 'derivativePeak';
      byId(f, '7b').gate = ['faster'];
    });
    expect(messages.join('\n')).toMatchInlineSnapshot(`
      "claim 4: check "vanishes" is not a check; known: derivativePeak, reluKink, derivativeDominates, outputRanges, boundedStays, relu6Cap, squashing, crelu, linearAffine, seluIsScaledElu, leakyIsMax, deadUnitGradient, seluFixedPoint, seluAttracts, postSeluCode, creluNegativeHalf, leakyFigureAlpha, seluAsymptote, eluCurvature, relu6Figure, tanhReachesOne, reluZeroConvention, gradientRatio, strongerGradients, sparsity, forwardScale, blowUp, selfNormalising, leavesDomain, compare, level, saturation, centred, centringRatio, sparseEarlier, kernelSpeed, normGradientRate, residualBounded
      claim 6: arms: "tanh-init/swish" is not an arm of a study; arms: mnist/sigmoid, mnist/sigmoid-saturated, mnist/tanh, mnist/relu, mnist/leaky-relu, mnist/prelu, mnist/elu, mnist/relu6, mnist-hot/relu, mnist-hot/leaky-relu, mnist-hot/prelu, mnist-hot/tanh, mnist-small/relu, mnist-small/prelu, spirals/linear, spirals/logistic, spirals/tanh, spirals/relu, tanh-init/lecun, tanh-init/glorot, tanh-init/standard, tanh-init/identity-standard, tanh-init/sigmoid-glorot, relu-init/he, relu-init/lecun, relu-init/small, selu-init/lecun, selu-init/he, selu-init/standard, blowup/relu, blowup/leaky-relu, blowup/sigmoid, blowup/tanh, blowup/relu6, crelu/crelu, remedy-sigmoid/plain, remedy-sigmoid/batch, remedy-relu50/plain, remedy-relu50/residual, remedy-relu50/plain-he, bn-rate/he, bn-rate/glorot, bn-rate/small, bn-rate/plain, residual-depth/one-16, residual-depth/one-64, residual-depth/one-256, residual-depth/sqrt-16, residual-depth/sqrt-64, residual-depth/sqrt-256
      claim 7b: gate: "faster" is not one of its roles (better, baseline)
      claim 9: check "derivativePeak" is an identity check; the claim's kind is "empirical"
      claim 15: arms.nets must be a list of arms
      claim 21: thresholds.tol is missing; check "reluKink" needs it
      claim 23: thresholds.extra is not read by check "seluIsScaledElu"; it reads tol"
    `);
  });

  it('refuses an unexpected outcome without a reason, and a repeated id', () => {
    const messages = loadEdited((f) => {
      delete byId(f, '27').why;
      f.claims.push({ ...byId(f, '1') });
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/claims\[\d+\] \(claim 27\)\.why: expected is "fails", so "why" must say why/);
    expect(messages[1]).toMatch(/claim id "1" appears twice/);
  });

  it('refuses a study whose config is missing or whose arm makes a bad config', () => {
    const messages = loadEdited((f) => {
      f.studies.crelu.config = 'claim-nowhere.json';
      ((f.studies.mnist.arms as Record<string, Record<string, unknown>>).tanh.set as Record<string, unknown>)['model.activation'] = 'tanhh';
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^study mnist: arm tanh does not make a valid config: .*tanhh/s);
    expect(messages[1]).toMatch(/^study crelu: config claim-nowhere\.json does not exist/);
  });

  it('refuses a tuned arm whose rate is off the grid', () => {
    const messages = loadEdited((f) => {
      (f.studies.spirals.arms as Record<string, Record<string, unknown>>).relu.lr = 0.5;
    });
    expect(messages).toEqual([expect.stringMatching(/studies\.spirals\.arms\.relu\.lr: lr 0\.5 is not on the tuning grid 0\.001, 0\.003, 0\.01, 0\.03, 0\.1$/)]);
  });

  it('checks the params of a claim against its check', () => {
    const messages = loadEdited((f) => {
      (byId(f, '1').params as Record<string, unknown>).activation = 'sigmoidal';
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^claim 1: params for check "derivativePeak": activation: /);
  });
});

describe('selects', () => {
  it.each([
    [undefined, '12b', true],
    [[12], '12', true],
    [['12'], '12b', true],
    [['12b'], '12', false],
    [['12b'], '12b', true],
    [[4, 12], '7a', false],
    [['1'], '12', false],
  ] as const)('only %j selects claim %s: %s', (only, id, want) => {
    expect(selects(only as readonly (number | string)[] | undefined, id)).toBe(want);
  });
});
