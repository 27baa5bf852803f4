#!/usr/bin/env node
// Entry point: registers tsx so the TypeScript sources run directly (no separate build step
// to forget), then hands over to the CLI.
//
// Under a limited address space (`ulimit -v`, as HPC login nodes set) V8's WebAssembly reserves
// about 10 GiB of virtual memory per instance for its guard regions, so the second instance
// (tsx's lexer is the first) fails to allocate. There the process restarts itself once with
// --disable-wasm-trap-handler: explicit bounds checks, and reservations the size of the memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FLAG = '--disable-wasm-trap-handler';

/** True when RLIMIT_AS is set (Linux: /proc/self/limits); false where it cannot be read. */
function addressSpaceLimited() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max address space'));
    return line !== undefined && !/\bunlimited\b/.test(line.slice('Max address space'.length, 60));
  } catch {
    return false;
  }
}

if (addressSpaceLimited() && !process.execArgv.includes(FLAG)) {
  const child = spawn(process.execPath, [FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  // Signals sent to this pid are passed on; a terminal's Ctrl-C reaches both, and the run's
  // handler treats a second SIGINT like the first.
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
}
