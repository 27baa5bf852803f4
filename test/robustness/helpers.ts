/**
 * Shared by the robustness suite: the real CLI as a child process (exit code, signal, output),
 * temporary folders, config files, and readers that check what a run left on disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/gradflow.mjs');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A started CLI process and the promise of its result. */
export interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
}

/** Starts `gradflow <args>` (node bin/gradflow.mjs) without waiting for it. */
export function start(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs `gradflow <args>` to the end. */
export function gradflow(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return start(args, opts).done;
}

/** Runs a shell command line (bash) to the end. */
export function shell(line: string, cwd = ROOT): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn('bash', ['-c', line], { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

export function tmp(prefix = 'gradflow-robust-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, config: unknown, file = 'config.json'): string {
  const path = join(dir, file);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

/** A stack frame as Node prints it (`    at fn (file.ts:12:5)`). */
export const STACK_FRAME = /^\s+at .+[:(].*\d+:\d+\)?$/m;

/** Every file under `dir`, relative, sorted (empty when `dir` does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, prefix: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
      else out.push(`${prefix}${name}`);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * The records of an ndjson file, after checking it holds complete lines only: it is empty or
 * ends in a newline, and every line parses as JSON.
 */
export function completeLines(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${path}: the last line is incomplete: ${JSON.stringify(text.slice(-80))}`);
  return text.slice(0, -1).split('\n').map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new Error(`${path}: line ${i + 1} is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
  });
}

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000, everyMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | false;
    try {
      v = check();
    } catch {
      v = undefined;
    }
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Non-empty lines of an ndjson file (0 when missing). */
export function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').length;
}

/** summary.json without the fields that measure time, which differ between any two runs. */
export function timeless(summary: Record<string, unknown>): Record<string, unknown> {
  const { timeSec: _t, stepsPerSec: _s, ...rest } = summary;
  return rest;
}
