/**
 * The signal-propagation files read back through src/results: spectra.ndjson line by line (a bad
 * or partial line left out, the rest sorted by step then example) and the summary blocks read
 * defensively.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpectra, toCorrelationSummary, toSpectraSummary } from '../../src/results/read-signal.js';

describe('readSpectra', () => {
  it('keeps the well-formed lines, sorted by step then example, and skips a partial last line', () => {
    const d = mkdtempSync(join(tmpdir(), 'gradflow-spectra-'));
    writeFileSync(join(d, 'spectra.ndjson'), [
      '{"step":10,"example":3,"singularValues":[2,1]}',
      '{"step":0,"example":9,"singularValues":[1.5,null]}',
      'not json',
      '{"step":0,"example":2}',
      '{"step":0,"example":1,"singularValues":[3,2]}',
      '{"step":20,"exa',
    ].join('\n'));
    expect(readSpectra(d)).toEqual([
      { step: 0, example: 1, singularValues: [3, 2] },
      { step: 0, example: 9, singularValues: [1.5, NaN] },
      { step: 10, example: 3, singularValues: [2, 1] },
    ]);
  });

  it('gives no lines when there is no file', () => {
    expect(readSpectra(mkdtempSync(join(tmpdir(), 'gradflow-spectra-')))).toEqual([]);
  });
});

describe('the summary blocks', () => {
  it('leave out a step without a number for meanS2 and read missing numbers as NaN or null', () => {
    const s = toSpectraSummary({ examples: [1, 'x'], beta: 'b', steps: [{ step: 0 }, { step: 5, meanS2: 2, logJv2: [1, 'x'] }] })!;
    expect(s).toEqual({
      examples: [1], predictedMeanS2: null, beta: NaN,
      steps: [{ step: 5, examples: 0, meanS2: 2, varS2: NaN, max: NaN, min: NaN, condition: null, logJv2: [1, null] }],
    });
    expect(toSpectraSummary([1])).toBeUndefined();
    expect(toCorrelationSummary('x')).toBeUndefined();
    expect(toCorrelationSummary({ perLayer: [0.5, 'x'] })).toEqual({ step: 0, pairs: 0, perLayer: [0.5, null], stdErr: [], xiC: null, fitLayers: 0 });
  });
});
