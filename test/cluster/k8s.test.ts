/**
 * `gradflow submit k8s`: the manifests it writes are an Indexed Job of N pods, a merge Job, an
 * immutable ConfigMap with the pinned config and a ReadWriteMany claim. Each object is validated
 * against the Kubernetes API schemas by kubernetes-models (its model classes' validate()), and the
 * YAML files parse back (Python's PyYAML, an independent parser) to exactly those objects.
 * Unknown fields are caught at compile time: the generator builds them as the package's types.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { k8sBaseName, k8sManifests } from '../../src/cluster/k8s.js';
import { pinConfig } from '../../src/cluster/pin.js';
import { resolveConfig } from '../../src/config/load.js';
import { toYaml } from '../../src/cluster/yaml.js';
import { gradflow as runCli, tmp, writeConfig, type CliResult } from '../helpers/cli.js';
import { cleanEnv, TINY } from './helpers.js';

const gradflow = (args: string[]): Promise<CliResult> => runCli(args, { baseEnv: cleanEnv() });

/** Python with PyYAML (Debian's python3-yaml, which .ci/run installs). */
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0);

/** Every document of a YAML text, parsed by PyYAML's safe loader. */
function parseYaml(text: string): unknown[] {
  if (PYTHON === undefined) throw new Error('k8s test: no python3 with PyYAML (apt-get install -y python3-yaml)');
  const r = spawnSync(PYTHON, ['-c', 'import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyYAML could not parse:\n${text}\n${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

const pinned = pinConfig(resolveConfig(TINY), '/nowhere');

describe('k8s manifests', () => {
  const m = k8sManifests({ pinned, shards: 3, image: 'registry.example.com/gradflow@sha256:' + 'a'.repeat(64), cpusPerTask: 2, reports: true });

  it('validate against the API schemas', () => {
    expect(() => new PersistentVolumeClaim(m.pvc).validate()).not.toThrow();
    expect(() => new ConfigMap(m.config).validate()).not.toThrow();
    expect(() => new Job(m.job).validate()).not.toThrow();
    expect(() => new Job(m.merge).validate()).not.toThrow();
  });

  it('would fail validation if a field had the wrong type', () => {
    const broken = { ...m.job, spec: { ...m.job.spec!, completions: '3' } };
    expect(() => new Job(JSON.parse(JSON.stringify(broken))).validate()).toThrow(/completions must be integer/);
  });

  it('run N indexed pods, each reading its shard from JOB_COMPLETION_INDEX and the count from GRADFLOW_SHARD_COUNT', () => {
    const spec = m.job.spec!;
    expect(spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 2 });
    const pod = spec.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    const c = pod.containers[0];
    expect(c.args).toEqual(['run', '/config/tiny.json', '--out', '/results', '--shard', 'auto', '--workers', '2']);
    expect(c.env).toEqual([{ name: 'GRADFLOW_SHARD_COUNT', value: '3' }]);
    expect(c.resources?.requests).toEqual({ cpu: '2' });
    // The config the pods mount is the pinned one, under a name that carries its hash.
    expect(pod.volumes).toEqual([
      { name: 'config', configMap: { name: `gradflow-tiny-config-${pinned.sha256.slice(0, 8)}` } },
      { name: 'results', persistentVolumeClaim: { claimName: 'gradflow-tiny-results' } },
    ]);
    expect(m.config.metadata?.name).toBe(`gradflow-tiny-config-${pinned.sha256.slice(0, 8)}`);
    expect(m.config.immutable).toBe(true);
    expect(m.config.data).toEqual({ 'tiny.json': pinned.text });
    expect(m.job.metadata?.annotations).toEqual({ 'gradflow/experiment': 'tiny', 'gradflow/config-sha256': pinned.sha256 });
    expect(m.pvc.spec?.accessModes).toEqual(['ReadWriteMany']);
  });

  it('merge the results volume in place', () => {
    const c = m.merge.spec!.template.spec!.containers[0];
    expect(c.args).toEqual(['merge', '/results/tiny', '--out', '/results']);
    expect(m.merge.spec!.template.spec!.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: 'gradflow-tiny-results' } }]);
  });

  it.each([
    ['tiny', 'gradflow-tiny'],
    ['Deep_Sigmoid.v2', `gradflow-deep-sigmoid-v2-`],
    ['x'.repeat(80), 'gradflow-xxxxxxxx'],
  ])('names experiment %s with a DNS label', (name, prefix) => {
    const base = k8sBaseName(name);
    expect(base.startsWith(prefix)).toBe(true);
    expect(base).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(base.length).toBeLessThanOrEqual(40);
  });
});

describe('the YAML writer', () => {
  it.each([
    ['strings that YAML would read as other types', { a: 'yes', b: '8', c: 'null', d: '', e: '0x1F', f: '1e3', g: '- x', h: '# c', i: 'On', j: 'a:b', k: '1:20', l: '.inf', m: 'NULL', n: '~', y: true, z: 'plain-word/x.y' }],
    ['nested lists and maps, empty ones too', { list: [{ a: 1, b: [1, 2, { c: null }] }, [], {}, 'x'], empty: {}, none: [], n: -0.5 }],
    ['multi-line text, with and without a final newline', { a: 'line 1\n  line 2\n', b: 'x\ny', c: 'x\n\n', d: ' lead\nx', e: 'tab\tin\nit' }],
    ['unusual keys and characters', { 'app.kubernetes.io/name': 'g', 'with space': 1, yes: 2, 'ü': 'é\u2028\u0085\u007f"\\' }],
  ])('writes %s so that they parse back unchanged', (_, value) => {
    expect(parseYaml(toYaml(value))).toEqual([value]);
  });
});

describe('submit k8s', () => {
  it('writes the four manifests, which parse back to valid objects, and prints the kubectl steps', async () => {
    const dir = tmp('gradflow-k8s-');
    const cfg = writeConfig(dir, TINY, 'tiny.json');
    const out = join(dir, 'out');
    const r = await gradflow(['submit', 'k8s', cfg, '--shards', '2', '--image', 'registry.example.com/gradflow:0.1.0', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const k8s = join(out, 'tiny/k8s');
    expect(readdirSync(k8s).sort()).toEqual(['config.yaml', 'job.yaml', 'merge.yaml', 'pvc.yaml']);
    const [pvc] = parseYaml(readFileSync(join(k8s, 'pvc.yaml'), 'utf8'));
    const [config] = parseYaml(readFileSync(join(k8s, 'config.yaml'), 'utf8'));
    const [job] = parseYaml(readFileSync(join(k8s, 'job.yaml'), 'utf8'));
    const [merge] = parseYaml(readFileSync(join(k8s, 'merge.yaml'), 'utf8'));
    const jobModel = new Job(job as never);
    const models = [new PersistentVolumeClaim(pvc as never), new ConfigMap(config as never), jobModel, new Job(merge as never)];
    for (const model of models) expect(() => model.validate()).not.toThrow();
    expect(jobModel.spec).toMatchObject({ completionMode: 'Indexed', completions: 2, parallelism: 2 });
    // The ConfigMap holds the pinned config, byte for byte, readable as a block of text.
    const text = (config as { data: Record<string, string> }).data['tiny.json'];
    expect(JSON.parse(text).model.init).toEqual({ name: 'glorot_uniform', gain: 1 });
    expect(readFileSync(join(k8s, 'config.yaml'), 'utf8')).toContain('  tiny.json: |\n    {\n      "name": "tiny",\n');
    expect(r.stdout).toContain(`  kubectl wait --for=condition=complete --timeout=24h job/gradflow-tiny\n`);
    expect(r.stdout).toContain('note: --image registry.example.com/gradflow:0.1.0 is a tag');
  });

  it.each([
    [['--shards', '2', '--image', 'bad image'], '--image: "bad image" is not allowed: expected a container image that runs gradflow as its entrypoint, such as registry.example.com/gradflow:0.1.0 or name@sha256:<digest>'],
    [['--shards', '9', '--image', 'g:1'], '--shards: 9 is not allowed: expected an integer in [1, 4]: tiny has 4 cells, and a shard without cells would only start a job that does nothing'],
  ])('exits 2 on %j with one line, writing nothing', async (flags, message) => {
    const dir = tmp('gradflow-k8s-bad-');
    const cfg = writeConfig(dir, TINY, 'tiny.json');
    const r = await gradflow(['submit', 'k8s', cfg, '--out', join(dir, 'out'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`gradflow: ${message}\n`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
