/**
 * `gradflow submit k8s`: a sharded sweep as Kubernetes objects, written under `<out>/<name>/k8s/`
 * (gradflow never calls kubectl):
 *
 *   pvc.yaml     PersistentVolumeClaim `<base>-results`, ReadWriteMany: the results every pod shares
 *   config.yaml  ConfigMap `<base>-config-<sha8>`, immutable: the pinned config (src/cluster/pin.ts);
 *                its name carries the config's hash, so a Job always mounts the config it was written for
 *   job.yaml     Job `<base>`: completionMode Indexed, completions = parallelism = N; pod i runs
 *                `gradflow run /config/<name>.json --shard auto` (JOB_COMPLETION_INDEX = i, 0-based,
 *                with GRADFLOW_SHARD_COUNT = N, since Kubernetes does not export the count)
 *   merge.yaml   Job `<base>-merge`: `gradflow merge /results/<name>`, applied once the Job completed
 *
 * `<base>` is `gradflow-` and the experiment's name as a DNS label (lower case, [a-z0-9-], at most
 * 40 characters, with a hash of the name when it had to change), short enough for the pods'
 * host names `<base>-<index>`. The image runs gradflow as its entrypoint (docs/scale-out.md).
 */
import { createHash } from 'node:crypto';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIoK8sApiCoreV1Volume } from 'kubernetes-models/v1/Volume';
import type { PinnedConfig } from './pin.js';

export interface K8sJob {
  readonly pinned: PinnedConfig;
  readonly shards: number;
  readonly image: string;
  /** CPUs each pod requests, and its `--workers`. */
  readonly cpusPerTask: number;
  readonly reports: boolean;
  /** Size of the results claim, a Kubernetes quantity (default 10Gi). */
  readonly storage?: string;
}

export interface K8sManifests {
  readonly pvc: IPersistentVolumeClaim;
  readonly config: IConfigMap;
  readonly job: IJob;
  readonly merge: IJob;
}

/** Retries of one shard's pod before its index counts as failed (a retry skips finished cells). */
export const RETRIES_PER_SHARD = 2;
const MAX_BASE = 40;
const CONFIG_DIR = '/config';
const RESULTS_DIR = '/results';

/** `gradflow-<name>` as a DNS-1123 label of at most 40 characters. */
export function k8sBaseName(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const base = `gradflow-${clean}`.replace(/-$/, '');
  if (base === `gradflow-${name}` && base.length <= MAX_BASE) return base;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `${base.slice(0, MAX_BASE - 7).replace(/-+$/, '')}-${hash}`;
}

/** The four objects of a sharded sweep (see the module comment). */
export function k8sManifests(spec: K8sJob): K8sManifests {
  const { pinned } = spec;
  const base = k8sBaseName(pinned.name);
  const labels = { 'app.kubernetes.io/name': 'gradflow', 'app.kubernetes.io/instance': base };
  const annotations = { 'gradflow/experiment': pinned.name, 'gradflow/config-sha256': pinned.sha256 };
  const configName = `${base}-config-${pinned.sha256.slice(0, 8)}`;
  const claim = `${base}-results`;
  const configFile = `${pinned.name}.json`;
  const report = spec.reports ? [] : ['--no-report'];
  const results: IIoK8sApiCoreV1Volume = { name: 'results', persistentVolumeClaim: { claimName: claim } };
  const cpu = String(spec.cpusPerTask);

  const pvc: IPersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, labels, annotations },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: spec.storage ?? '10Gi' } } },
  };
  const config: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configName, labels, annotations },
    immutable: true,
    data: { [configFile]: pinned.text },
  };
  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: base, labels, annotations },
    spec: {
      completionMode: 'Indexed',
      completions: spec.shards,
      parallelism: spec.shards,
      backoffLimitPerIndex: RETRIES_PER_SHARD,
      // Exit 2 is bad input: every retry would fail the same way.
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'gradflow', operator: 'In', values: [2] } }] },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'gradflow',
            image: spec.image,
            args: ['run', `${CONFIG_DIR}/${configFile}`, '--out', RESULTS_DIR, '--shard', 'auto', '--workers', cpu, ...report],
            env: [{ name: 'GRADFLOW_SHARD_COUNT', value: String(spec.shards) }],
            resources: { requests: { cpu } },
            volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, { name: 'results', mountPath: RESULTS_DIR }],
          }],
          volumes: [{ name: 'config', configMap: { name: configName } }, results],
        },
      },
    },
  };
  const merge: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${base}-merge`, labels, annotations },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'gradflow',
            image: spec.image,
            args: ['merge', `${RESULTS_DIR}/${pinned.name}`, '--out', RESULTS_DIR, ...report],
            resources: { requests: { cpu: '1' } },
            volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR }],
          }],
          volumes: [results],
        },
      },
    },
  };
  return { pvc, config, job, merge };
}
