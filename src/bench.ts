/**
 * `gradflow bench`: training speed on the reference workloads. Placeholder until the kernel
 * comparison lands: W1 on the TypeScript kernel.
 */
import { benchW1 } from '../bench/w1.js';
import { getKernels } from './net/kernels.js';

export async function runBench(opts: { steps: number; log: (line: string) => void }): Promise<void> {
  const r = benchW1({ kernels: getKernels('ts'), steps: opts.steps });
  opts.log(`W1 (${r.kernel}): ${r.msPerStep.toFixed(1)} ms/step, ${r.gflops.toFixed(2)} GFLOP/s; 1024^3 matmul ${r.matmulGflops?.toFixed(2)} GFLOP/s`);
}
