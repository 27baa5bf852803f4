import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKS, CHECK_NAMES } from '../../src/claims/checks.js';
import { CLAIMS_FILE, CONFIGS_DIR, ClaimsError, loadClaims } from '../../src/claims/load.js';
import { claimNumber, selects } from '../../src/claims/schema.js';

const loaded = loadClaims();
const tmp = mkdtempSync(join(tmpdir(), 'gradflow-claims-file-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let edits = 0;
/** The committed claims file with `edit` applied to a copy, loaded from a temp file. */
function loadEdited(edit: (file: { claims: Record<string, unknown>[] }) => void): string[] {
  const file = JSON.parse(readFileSync(CLAIMS_FILE, 'utf8')) as { claims: Record<string, unknown>[] };
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

const byId = (file: { claims: Record<string, unknown>[] }, id: string): Record<string, unknown> => file.claims.find((c) => c.id === id)!;

describe('experiments/claims.json', () => {
  it('validates: every claim names a known check, its thresholds and roles, and configs that load', () => {
    expect(loaded.claims.length).toBeGreaterThanOrEqual(22);
  });

  it('covers every claim of the issue, 1 to 22, and adds some of its own', () => {
    const numbers = new Set(loaded.claims.map((c) => claimNumber(c.claim.id)));
    for (let n = 1; n <= 22; n++) expect(numbers.has(n), `claim ${n}`).toBe(true);
    expect([...numbers].some((n) => n > 22)).toBe(true);
  });

  it.each(loaded.claims.map((c) => [c.claim.id, c] as const))('claim %s states its metric, predicate, thresholds and reason', (_id, c) => {
    expect(c.claim.statement.length).toBeGreaterThan(20);
    expect(c.claim.metric.length).toBeGreaterThan(20);
    expect(c.claim.predicate.length).toBeGreaterThan(5);
    expect(c.claim.reason.length).toBeGreaterThan(10);
    expect(Object.keys(c.claim.thresholds).length).toBeGreaterThan(0);
    if (c.claim.expected !== 'reproduced') expect(c.claim.why).toBeDefined();
    // A threshold named in the thresholds object is mentioned in the predicate or the metric.
    for (const name of Object.keys(c.claim.thresholds)) {
      expect(`${c.claim.predicate} ${c.claim.metric}`, `claim ${c.claim.id} threshold ${name}`).toMatch(name);
    }
  });

  it('runs every claim config, and every claim config file is read by some claim', () => {
    const used = new Set(loaded.claims.flatMap((c) => c.claim.configs));
    const files = readdirSync(CONFIGS_DIR).filter((f) => /^claim-.*\.json$/.test(f));
    expect(files.filter((f) => !used.has(f))).toEqual([]);
    expect([...used].filter((f) => !files.includes(f))).toEqual([]);
  });
});

describe.each(CHECK_NAMES.map((n) => [n, CHECKS[n]] as const))('check %s', (name, def) => {
  it('is used by a claim of the file', () => {
    expect(loaded.claims.some((c) => c.check === name)).toBe(true);
  });

  it('declares its thresholds and says what it does', () => {
    expect(def.thresholds.length).toBeGreaterThan(0);
    expect(def.doc.length).toBeGreaterThan(10);
  });
});

describe('loadClaims', () => {
  it('names the claim and the field of each problem, all at once', () => {
    const messages = loadEdited((f) => {
      byId(f, '4').check = 'vanishes';
      delete (byId(f, '9').thresholds as Record<string, number>).maxAbsLog10Ratio;
      (byId(f, '10').thresholds as Record<string, number>).extra = 1;
      byId(f, '6').cells = { weak: 'claim-sigmoid-vs-tanh/activation=sigmoid', strong: 'claim-sigmoid-vs-tanh/activation=swish' };
      byId(f, '15').cells = { unbounded: 'claim-blowup/activation=relu', bounded: ['claim-blowup/activation=tanh'] };
    });
    expect(messages.join('\n')).toMatchInlineSnapshot(`
      "claim 4: check "vanishes" is not a check; known: derivativePeak, outputRanges, vanishing, flatGradients, saturationStopsLearning, strongerGradients, centred, trainsFaster, sparsity, kernelSpeed, dyingRelu, noRevival, noDeathTrainsBetter, slopesMove, overfitsMore, blowUp, meanCloserToZero, selfNormalising, leavesDomain, seluFixedPoint, seluAttracts, crelu, relu6Cap, reluKink, linearNet, seluIsScaledElu, leakyIsMax, forwardScale, derivativeDominates
      claim 6: cells: claim-sigmoid-vs-tanh/activation=swish is not a cell of its config; cells: activation=sigmoid, activation=tanh
      claim 9: thresholds.maxAbsLog10Ratio is missing; check "flatGradients" needs it
      claim 10: thresholds.extra is not read by check "sparsity"; it reads minZero, maxZero
      claim 15: cells.unbounded must be a list of cells"
    `);
  });

  it('refuses an expected outcome other than reproduced without a reason, and a repeated id', () => {
    const messages = loadEdited((f) => {
      delete byId(f, '27').why;
      f.claims.push({ ...byId(f, '1') });
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/claims\[\d+\] \(claim 27\)\.why: expected is "not reproduced", so "why" must say why/);
    expect(messages[1]).toMatch(/claim id "1" appears twice/);
  });

  it('refuses configs that do not exist and configs on an analytic check', () => {
    const messages = loadEdited((f) => {
      byId(f, '16').configs = ['claim-nowhere.json', 'claim-relu-init.json'];
      byId(f, '1').configs = ['claim-relu-init.json'];
    });
    expect(messages.some((m) => /^claim 16: configs: claim-nowhere\.json does not exist/.test(m))).toBe(true);
    expect(messages).toContain('claim 1: check "derivativePeak" measures the activation code itself and reads no runs; configs must be []');
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
