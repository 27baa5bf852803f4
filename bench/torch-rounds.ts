/**
 * PyTorch on one thread as a contender inside gradflow's own rounds: bench/torch_bench.py
 * --serve runs in a child process and times one round when asked, so its rounds interleave with
 * the wasm kernel's (bench/threads.ts) and a slow minute of the shared machine falls on both.
 * The child sleeps in a read between rounds, so it takes no core from gradflow's.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Debian's python3-torch lives in /usr/bin/python3, which a pyenv shim on PATH may shadow. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

/** The first Python that imports torch, or null. */
export function torchPython(): string | null {
  for (const py of PYTHONS) {
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
      return py;
    } catch {
      // not this one
    }
  }
  return null;
}

/** One thread for every BLAS torch may call (OpenBLAS, MKL, OpenMP). */
export const TORCH_ENV = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

export const TORCH_SCRIPT = fileURLToPath(new URL('./torch_bench.py', import.meta.url));

export class TorchRounds {
  private readonly lines: AsyncIterator<string>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the server and waits until its workloads are built and warm; null without torch. */
  static async start(): Promise<TorchRounds | null> {
    const py = torchPython();
    if (py === null) return null;
    const child = spawn(py, [TORCH_SCRIPT, '--serve'], { env: { ...process.env, ...TORCH_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const t = new TorchRounds(child);
    const first = await t.next();
    if (first !== 'ready') {
      t.close();
      throw new Error(`bench: ${TORCH_SCRIPT} --serve did not start: ${first ?? 'no output'} ${err.trim()}`);
    }
    return t;
  }

  /** Mean ms per step of `task` (a workload of bench/kernels.ts, or matmul) over at least minMs of steps. */
  async round(task: string, minMs: number): Promise<number> {
    this.child.stdin.write(`${task} ${minMs}\n`);
    const line = await this.next();
    const ms = Number(line);
    if (line === undefined || !Number.isFinite(ms)) throw new Error(`bench: PyTorch round of ${task} answered ${JSON.stringify(line)}`);
    return ms;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }

  private async next(): Promise<string | undefined> {
    const r = await this.lines.next();
    return r.done === true ? undefined : r.value;
  }
}
