/**
 * The real CLI as a child process (exit code, signal, output), temporary folders and config
 * files: shared by the CLI, shard and robustness suites.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
export interface CliOptions {
  readonly cwd?: string;
  /** Added to the environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** The environment to start from instead of this process's (to leave variables out). */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

export function start(args: readonly string[], opts: CliOptions = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...(opts.baseEnv ?? process.env), FORCE_COLOR: '0', ...opts.env },
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
export function gradflow(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
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

export function tmp(prefix = 'gradflow-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, config: unknown, file = 'config.json'): string {
  const path = join(dir, file);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

