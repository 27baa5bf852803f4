/**
 * The pinned config of a cluster job: loading it gives the cells of the original config, with
 * relative file paths (also inside sweep values) made absolute against the original's folder.
 */
import { describe, expect, it } from 'vitest';
import { absoluteFiles, pinConfig, relativeSweptFiles, sha256 } from '../../src/cluster/pin.js';
import { configHash, expandCells } from '../../src/config/expand.js';
import { resolveConfig } from '../../src/config/load.js';
import { shellQuote } from '../../src/cluster/shell.js';
import { spawnSync } from 'node:child_process';
import { TINY } from './helpers.js';

describe('pinConfig', () => {
  it('gives the same cells and config hashes as the original, and hashes its own bytes', () => {
    const config = resolveConfig(TINY);
    const pinned = pinConfig(config, '/data');
    expect(pinned.cells).toBe(4);
    expect(pinned.sha256).toBe(sha256(pinned.text));
    expect(pinned.text.endsWith('}\n')).toBe(true);
    const again = expandCells(resolveConfig(JSON.parse(pinned.text)));
    expect(again.map((c) => [c.id, configHash(c.config)])).toEqual(expandCells(config).map((c) => [c.id, configHash(c.config)]));
  });

  it('makes a relative data or weights path absolute, leaving the cell ids as they were', () => {
    const config = resolveConfig({
      name: 't', data: { kind: 'tensors', path: 'x.safetensors' }, model: { initFrom: 'w.safetensors' }, train: { loss: 'mse', steps: 1 },
      sweep: { 'train.lr': [0.1, 0.2] },
    });
    const pinned = JSON.parse(pinConfig(config, '/data/exp').text);
    expect(pinned.data.path).toBe('/data/exp/x.safetensors');
    expect(pinned.model.initFrom).toBe('/data/exp/w.safetensors');
    expect(pinned).not.toHaveProperty('seeds');
    expect(expandCells(resolveConfig(pinned)).map((c) => c.id)).toEqual(['lr=0.1', 'lr=0.2']);
  });

  it('names each relative path among the sweep values, since an absolute one would rename its cell', () => {
    const config = resolveConfig({
      name: 't', data: { kind: 'tensors', path: '/d/x.safetensors' }, train: { loss: 'mse', steps: 1 },
      sweep: { 'model.initFrom': ['w0.safetensors', '/abs/w1.safetensors'] },
    });
    expect(relativeSweptFiles(config)).toEqual([
      'sweep["model.initFrom"][0]: "w0.safetensors" is a relative path, which a cluster job cannot keep (it reads a copy of the config from another folder, and an absolute value would rename the cell): expected an absolute path',
    ]);
    expect(relativeSweptFiles(resolveConfig(TINY))).toEqual([]);
  });

  it('leaves absolute paths, null and other fields alone', () => {
    const obj = { data: { kind: 'tensors', path: '/a/b' }, model: { initFrom: null, depth: 3 } };
    expect(absoluteFiles(obj, '/x')).toEqual(obj);
  });
});

describe('shellQuote', () => {
  it.each(['plain', "it's", 'a b', '$HOME', '`x`', '"q"', 'new\nline', ''])('keeps %j one bash word, unexpanded', (s) => {
    const r = spawnSync('bash', ['-c', `printf '%s' ${shellQuote(s)}`], { encoding: 'utf8' });
    expect(r.stdout).toBe(s);
  });
});
