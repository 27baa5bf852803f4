/**
 * `gradflow watch <folder> [--port P] [--host H] [--open]`, and the server `gradflow run --watch`
 * starts beside a run. The URL is the first line printed. Binds 127.0.0.1 unless `--host` says
 * otherwise; the default port is 8765, and when that one is taken any free port is used instead
 * (a port given with --port must be free). Ctrl-C (SIGINT) or SIGTERM stops the server: exit 0.
 * Exit 2: the folder is not a folder, or the port or host cannot be used.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import * as msg from '../messages.js';
import { makeDir } from '../results/write.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './options.js';
import { isLoopback, startWatch, WatchListenError, type Watcher } from './server.js';

const OK = 0;
const BAD_INPUT = 2;

export interface WatchIO {
  readonly log: (line: string) => void;
  readonly fail: (lines: readonly string[]) => void;
}

export interface ListenArgs {
  /** Undefined: the default port, or any free one when it is taken. */
  readonly port?: unknown;
  readonly host?: unknown;
}

/** Starts the server on `folder`; prints nothing. Null (after printing why) on bad input. */
async function listen(folder: string, a: ListenArgs, io: WatchIO): Promise<{ watcher: Watcher; notes: string[] } | null> {
  const host = a.host === undefined ? DEFAULT_HOST : String(a.host);
  const given = a.port !== undefined;
  // Read as text so that a value that is not a number is named as written, not as NaN.
  const port = !given ? DEFAULT_PORT : typeof a.port === 'number' || /^\s*\d+\s*$/.test(String(a.port)) ? Number(a.port) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.fail([msg.badFlag('--port', a.port, 'an integer in [0, 65535] (0: any free port)')]);
    return null;
  }
  try {
    return { watcher: await startWatch({ folder, host, port }), notes: [] };
  } catch (err) {
    if (!(err instanceof WatchListenError)) throw err;
    if (err.code === 'EADDRINUSE' && !given) {
      const watcher = await startWatch({ folder, host, port: 0 });
      return { watcher, notes: [msg.watchDefaultPortTaken(port, watcher.url)] };
    }
    io.fail([err.code === 'EADDRINUSE' ? msg.watchPortInUse(port, host) : msg.watchCannotListen(host, port, err.message)]);
    return null;
  }
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Opens `url` in the desktop's browser, if there is one; says so when there is not. */
function openBrowser(url: string, io: WatchIO): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', (err) => io.log(msg.watchOpenFailed(url, err.message)));
  child.unref();
}

/** Resolves on the first SIGINT or SIGTERM (and stops listening for them). */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `gradflow watch`: serves until Ctrl-C; resolves to the exit code. */
export async function watchFolder(folder: string, a: ListenArgs & { readonly open?: boolean }, io: WatchIO): Promise<number> {
  if (!isFolder(folder)) {
    io.fail([msg.watchNotAFolder(folder)]);
    return BAD_INPUT;
  }
  const started = await listen(folder, a, io);
  if (started === null) return BAD_INPUT;
  const { watcher, notes } = started;
  io.log(watcher.url);
  for (const n of notes) io.log(n);
  io.log(msg.watchServing(folder));
  const host = a.host === undefined ? DEFAULT_HOST : String(a.host);
  if (!isLoopback(host)) io.fail([msg.watchPublic(host)]);
  if (a.open === true) openBrowser(watcher.url, io);
  await untilSignal();
  await watcher.close();
  return OK;
}

/** A server started beside a run: `untilStopped` keeps serving after the run until Ctrl-C. */
export interface BesideRun {
  readonly url: string;
  untilStopped(): Promise<void>;
}

/**
 * Starts the live view of `folder` (created if missing) for `gradflow run --watch` and prints its
 * URL; null (after printing why) when the port or host cannot be used.
 */
export async function startBesideRun(folder: string, a: ListenArgs, io: WatchIO): Promise<BesideRun | null> {
  makeDir(folder);
  const started = await listen(folder, a, io);
  if (started === null) return null;
  const { watcher, notes } = started;
  io.log(watcher.url);
  for (const n of notes) io.log(n);
  const host = a.host === undefined ? DEFAULT_HOST : String(a.host);
  if (!isLoopback(host)) io.fail([msg.watchPublic(host)]);
  return {
    url: watcher.url,
    untilStopped: async () => {
      io.log(msg.watchRunEnded(watcher.url));
      await untilSignal();
      await watcher.close();
    },
  };
}
