/**
 * Is a second core a whole core? Runs a single-threaded W1 or W2 step loop (wasm kernel) for a
 * fixed time in one process alone, then in two processes at once, and prints steps per second
 * of each. Two independent processes share nothing but the hardware (cores, caches, memory
 * bandwidth, the hypervisor's scheduling), so their combined rate over the lone rate bounds
 * what any two-thread or two-worker split of the same work can reach on this machine.
 *
 *   npx tsx bench/pair.ts [--task W1|W2] [--seconds 8] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWasmKernels } from '../src/net/kernels-wasm.js';
import { gradflowStep, WORKLOADS } from './kernels.js';
import { sample } from './threads.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** Child: steps per second of `task` over `seconds` after a 1 s warm-up. */
function child(task: 'W1' | 'W2', seconds: number): void {
  const k = createWasmKernels();
  if (k === null) throw new Error('no wasm kernel');
  const r = gradflowStep(k, WORKLOADS[task], 'wasm');
  const stepsPerSec = (ms: number): number => 1000 / sample(() => r.run(), ms);
  stepsPerSec(1000);
  process.stdout.write(`${stepsPerSec(seconds * 1000)}\n`);
}

function spawnChild(task: string, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--task', task, '--seconds', String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`child exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const task = arg('task', 'W2') as 'W1' | 'W2';
  const seconds = Number(arg('seconds', '8'));
  if (process.argv.includes('--child')) return child(task, seconds);
  const rounds = Number(arg('rounds', '3'));
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const alone = await spawnChild(task, seconds);
    const [a, b] = await Promise.all([spawnChild(task, seconds), spawnChild(task, seconds)]);
    const ratio = (a + b) / alone;
    ratios.push(ratio);
    console.log(`${task} round ${i + 1}: alone ${alone.toFixed(2)} steps/s; two at once ${a.toFixed(2)} + ${b.toFixed(2)} = ${(a + b).toFixed(2)} steps/s; ${ratio.toFixed(2)}x`);
  }
  ratios.sort((x, y) => x - y);
  console.log(`${task}: two processes give ${ratios[Math.floor(rounds / 2)].toFixed(2)}x the lone rate (median of ${rounds}); load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

void main();
