/**
 * The HTTP server of `gradflow watch <folder>`: live pages over a results folder, read-only.
 *
 *   GET /?dir=REL                         the page of folder REL (experiment, cell, or a listing)
 *   GET /api/experiment?dir=REL           ExperimentView (folder.ts)
 *   GET /api/cell?dir=REL[&file=&offset=] CellUpdate (live.ts): records after that byte offset
 *   GET /api/folder?dir=REL               FolderView
 *   GET /files/REL                        a file under the folder, as it is (the static report.html)
 *
 * Safety: GET and HEAD only (405 otherwise), no write anywhere. A path is relative to the folder,
 * may not hold `..`, `.`, hidden (dot) segments, backslashes or NUL, and its real path (symlinks
 * resolved) must lie inside the folder's real path; anything else is 404. Bound to a loopback
 * address, the server answers only requests whose Host names a loopback host (a web page cannot
 * reach it by DNS rebinding). Every response forbids sniffing and framing; HTML files of the
 * folder are served in a CSP sandbox, so their scripts run but cannot call this API.
 */
import { closeSync, constants, createReadStream, fstatSync, openSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { basename, extname, join, sep } from 'node:path';
import { experimentName, experimentView, folderView, kindOf, singleCellView } from './folder.js';
import { cellUpdate } from './live.js';
import { cellPage, experimentPage, folderPage } from './page.js';
import { TailCache, type Position } from './tail.js';

const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** The live pages: inline scripts (vega compiles expressions with Function), fetches to this server only. */
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** HTML files of the folder: their own scripts run, in an opaque origin that cannot read this server. */
const FILE_HTML_CSP = "sandbox allow-scripts allow-downloads; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; " +
  "style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const FILE_CSP = "sandbox; default-src 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.png': 'image/png',
};
const TEXT = 'text/plain; charset=utf-8';

export interface WatchOptions {
  /** The folder to serve (an experiment folder, a cell folder, or a results folder). */
  readonly folder: string;
  readonly host: string;
  readonly port: number;
}

export interface Watcher {
  readonly url: string;
  readonly root: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** `rel` (a '/'-separated path below `root`, already URL-decoded) as a real path inside `root`, or null. */
export function inside(root: string, rel: string): string | null {
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const segs = rel.split('/').filter((s) => s !== '');
  if (segs.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  let real: string;
  try {
    real = realpathSync(join(root, ...segs));
  } catch {
    return null;
  }
  return real === root || real.startsWith(root + sep) ? real : null;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export const isLoopback = (host: string): boolean => LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The host part of a Host header (`localhost:8765` -> `localhost`, `[::1]:80` -> `[::1]`). */
function hostOf(header: string | undefined): string {
  if (header === undefined) return '';
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(header.trim().toLowerCase());
  return m ? m[1] : '';
}

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string, csp: string, extra: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.length), 'Content-Security-Policy': csp, ...extra });
  res.end(head ? undefined : bytes);
}

const notFound = (res: ServerResponse, head: boolean): void => send(res, head, 404, TEXT, 'not found\n', FILE_CSP);

/** The position a cell page sends back (`file`, `offset`), or null to start from the beginning. */
function positionOf(params: URLSearchParams): Position | null {
  const file = params.get('file');
  const offset = Number(params.get('offset'));
  return file !== null && Number.isSafeInteger(offset) && offset >= 0 ? { file, offset } : null;
}

/** Serves the file at real path `real` (a regular file), opened without following a link. */
function sendFile(res: ServerResponse, head: boolean, real: string): void {
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    notFound(res, head);
    return;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    notFound(res, head);
    return;
  }
  const ext = extname(real).toLowerCase();
  const type = TYPES[ext] ?? TEXT;
  res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': type, 'Content-Length': String(st.size), 'Content-Security-Policy': ext === '.html' ? FILE_HTML_CSP : FILE_CSP });
  if (head) {
    closeSync(fd);
    res.end();
    return;
  }
  createReadStream('', { fd, autoClose: true }).pipe(res);
}

/** Answers one request; throws only on a defect or a folder changing under it (the caller answers 500). */
function route(root: string, loopbackOnly: boolean, tails: TailCache) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      send(res, false, 405, TEXT, 'read-only: GET and HEAD only\n', FILE_CSP, { Allow: 'GET, HEAD' });
      return;
    }
    if (loopbackOnly && !isLoopback(hostOf(req.headers.host))) {
      send(res, head, 421, TEXT, 'this server answers only to localhost\n', FILE_CSP);
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, head, 400, TEXT, 'bad request\n', FILE_CSP);
      return;
    }
    const path = url.pathname;
    if (path.startsWith('/files/')) {
      let rel: string;
      try {
        rel = path.slice('/files/'.length).split('/').map(decodeURIComponent).join('/');
      } catch {
        notFound(res, head);
        return;
      }
      const real = inside(root, rel);
      if (real === null) notFound(res, head);
      else sendFile(res, head, real);
      return;
    }
    const dir = inside(root, url.searchParams.get('dir') ?? '');
    if (dir === null || !statSync(dir).isDirectory()) {
      notFound(res, head);
      return;
    }
    const json = (value: unknown): void => send(res, head, 200, 'application/json; charset=utf-8', JSON.stringify(value), FILE_CSP);
    const html = (text: string): void => send(res, head, 200, 'text/html; charset=utf-8', text, PAGE_CSP);
    const kind = kindOf(dir);
    switch (path) {
      case '/':
        if (kind === 'experiment') html(experimentPage(experimentView(root, dir, tails)));
        else if (kind === 'cell') html(cellPage(`${experimentName(join(dir, '..'))}/${basename(dir)}`, singleCellView(root, dir, tails)));
        else html(folderPage(folderView(root, dir)));
        return;
      case '/api/experiment':
        json(kind === 'experiment' ? experimentView(root, dir, tails) : { kind });
        return;
      case '/api/cell':
        json(kind === 'cell' ? cellUpdate(root, dir, positionOf(url.searchParams), tails) : { kind });
        return;
      case '/api/folder':
        json(kind === 'folder' ? folderView(root, dir) : { kind });
        return;
      default:
        notFound(res, head);
    }
  };
}

function handler(root: string, loopbackOnly: boolean, tails: TailCache) {
  const answer = route(root, loopbackOnly, tails);
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      answer(req, res);
    } catch {
      if (!res.headersSent) send(res, req.method === 'HEAD', 500, TEXT, 'the folder changed while it was read; try again\n', FILE_CSP);
      else res.destroy();
    }
  };
}

/** The URL a browser opens: the host as given, a wildcard address as this machine's name. */
function urlFor(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

export class WatchListenError extends Error {
  override readonly name = 'WatchListenError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Starts the server; rejects with WatchListenError when the address cannot be bound. */
export function startWatch(opts: WatchOptions): Promise<Watcher> {
  const root = realpathSync(opts.folder);
  const tails = new TailCache();
  const server = createServer(handler(root, isLoopback(opts.host), tails));
  return new Promise((resolveStart, rejectStart) => {
    server.once('error', (err: NodeJS.ErrnoException) => rejectStart(new WatchListenError(err.code ?? 'EIO', err.message)));
    server.listen(opts.port, opts.host, () => {
      const port = (server.address() as AddressInfo).port;
      resolveStart({
        url: urlFor(opts.host, port),
        root,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
