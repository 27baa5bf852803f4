/**
 * The live server over a hand-made results folder: statuses merged from shard index files,
 * summaries and lock files; records served from a byte offset; and what it refuses: paths out of
 * the folder (.., encoded .., symlinks out, hidden files), methods other than GET and HEAD, and
 * Host headers that are not localhost. Strings from the folder reach the page escaped.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatch, type Watcher } from '../../src/watch/server.js';
import { gradflow, tmp } from '../helpers/cli.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw request: the path is sent exactly as given (no client-side normalisation of `..`). */
function raw(port: number, path: string, opts: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? `127.0.0.1:${port}` } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

const record = (step: number): string => JSON.stringify({ step, epoch: 0, loss: 1 / (step + 1), testLoss: step === 0 ? 0.9 : undefined, layers: [{ layer: 0, gradNorm: 0.5, actStd: 0.3 }, { layer: 1, gradNorm: null, actStd: 0.2 }] }) + '\n';
const json = (file: string, value: unknown): void => writeFileSync(file, JSON.stringify(value, null, 2));
const plan = (id: string, shard: number) => ({ id, overrides: {}, configHash: 'h', cost: 1, shard });
const HOSTILE = '<img src=x onerror=alert(1)>';

/** A pid that is certainly not running: a process that has exited. */
function deadPid(): number {
  const r = spawnSync('bash', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

describe('gradflow watch server', () => {
  const base = tmp('gradflow-watch-');
  const root = join(base, 'results');
  const outside = join(base, 'outside');
  let w: Watcher;
  let port: number;

  beforeAll(async () => {
    const exp = join(root, 'exp');
    for (const d of ['exp/a', 'exp/b', 'exp/c', 'exp/d', 'stale/x', 'hostile', '.hidden']) mkdirSync(join(root, d), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'SECRET\n');
    writeFileSync(join(root, '.hidden/secret'), 'SECRET\n');
    symlinkSync(outside, join(root, 'link-out'));
    symlinkSync(exp, join(root, 'link-in'));
    const old = new Date(Date.now() - 60_000);
    // Two shards of one experiment in one shared folder; shard 1 runs now (its lock names this process).
    const all = [plan('a', 1), plan('b', 2), plan('c', 1), plan('d', 1)];
    json(join(exp, 'index.shard-1-of-2.json'), { experiment: 'exp', shard: { index: 1, count: 2, source: 'test' }, cells: [{ id: 'a', path: 'a', overrides: {}, status: 'running' }, { id: 'c', path: 'c', overrides: {}, status: 'pending' }, { id: 'd', path: 'd', overrides: {}, status: 'pending' }], plan: all });
    json(join(exp, 'index.shard-2-of-2.json'), { experiment: 'exp', shard: { index: 2, count: 2, source: 'test' }, cells: [{ id: 'b', path: 'b', overrides: {}, status: 'running' }], plan: all });
    utimesSync(join(exp, 'index.shard-1-of-2.json'), old, old);
    json(join(exp, '.shard-1-of-2.lock'), { pid: process.pid, host: hostname(), started: 'now' });
    for (const c of ['a', 'b']) json(join(exp, c, 'config.json'), { name: 'exp', train: { steps: 100 } });
    writeFileSync(join(exp, 'a/metrics.ndjson'), record(0) + record(10) + record(20));
    // a: a summary left by an earlier run, older than the index that says it runs again.
    json(join(exp, 'a/summary.json'), { status: 'interrupted' });
    const older = new Date(Date.now() - 120_000);
    utimesSync(join(exp, 'a/summary.json'), older, older);
    // d: pending in an index its shard has not rewritten since d started writing records.
    writeFileSync(join(exp, 'd/metrics.ndjson'), record(0));
    // b: finished after its shard last wrote the index (which still says running).
    utimesSync(join(exp, 'index.shard-2-of-2.json'), old, old);
    writeFileSync(join(exp, 'b/metrics.ndjson'), record(0) + record(100));
    json(join(exp, 'b/summary.json'), { status: 'ok', steps: 100 });
    writeFileSync(join(exp, 'b/report.html'), '<!doctype html><script>fetch("/api/folder")</script>');
    // A run killed with -9: its index says running, its lock names a process that is gone.
    json(join(root, 'stale/index.json'), { experiment: 'stale', cells: [{ id: 'x', path: 'x', overrides: {}, status: 'running' }] });
    json(join(root, 'stale/.lock'), { pid: deadPid(), host: hostname(), started: 'then' });
    writeFileSync(join(root, 'stale/x/metrics.ndjson'), record(0));
    // An index written by someone else: markup in the name, a cell id that climbs out.
    json(join(root, 'hostile/index.json'), { experiment: HOSTILE, cells: [{ id: '../../outside', path: 'x', overrides: {}, status: 'ok' }, { id: '"><svg onload=alert(1)>', path: 'y', overrides: {}, status: 'pending' }] });
    w = await startWatch({ folder: root, host: '127.0.0.1', port: 0 });
    port = Number(new URL(w.url).port);
  });

  afterAll(async () => {
    await w?.close();
  });

  it('listens on 127.0.0.1 and lists the experiment folders on its first page', async () => {
    expect(w.url).toBe(`http://127.0.0.1:${port}/`);
    const r = await raw(port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    for (const name of ['exp', 'stale', 'hostile', 'link-in']) expect(r.body).toContain(`<a href="/?dir=${name}">${name}</a>`);
    expect(r.body).not.toContain('.hidden');
  });

  it('merges the shard index files, taking the newer of index and summary, with progress from the last record', async () => {
    const r = await raw(port, '/api/experiment?dir=exp');
    const v = JSON.parse(r.body);
    expect(v.shards).toEqual(['1/2', '2/2']);
    expect(v.cells.map((c: { id: string; status: string; shard: string; step: number | null; progress: number | null }) => [c.id, c.status, c.shard, c.step, c.progress])).toEqual([
      ['a', 'running', '1/2', 20, 0.2],
      ['b', 'ok', '2/2', 100, 1],
      ['c', 'pending', '1/2', null, 0],
      ['d', 'running', '1/2', 0, null],
    ]);
  });

  it('calls a running cell whose run is gone (its lock names a dead process) stopped', async () => {
    const v = JSON.parse((await raw(port, '/api/experiment?dir=stale')).body);
    expect(v.cells.map((c: { status: string }) => c.status)).toEqual(['stopped']);
  });

  it('escapes what index files say and never follows a cell id out of its folder', async () => {
    const page = await raw(port, '/?dir=hostile');
    expect(page.body).not.toContain(HOSTILE);
    expect(page.body).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;</h1>');
    expect(page.body).not.toContain('<svg onload');
    expect(page.body).not.toContain('outside');
    const v = JSON.parse((await raw(port, '/api/experiment?dir=hostile')).body);
    expect(v.cells.map((c: { id: string }) => c.id)).toEqual(['"><svg onload=alert(1)>']);
  });

  it('sends the records after a byte offset, and starts again when the file was rewritten', async () => {
    const first = JSON.parse((await raw(port, '/api/cell?dir=exp%2Fa')).body);
    expect(first.cell).toMatchObject({ id: 'a', status: 'running', step: 20, steps: 100 });
    expect(first.chunk.records.map((r: { step: number }) => r.step)).toEqual([0, 10, 20]);
    expect(first.chunk.records[0]).toEqual({ step: 0, loss: 1, trainLoss: null, testLoss: 0.9, layers: [[0, 0.5, 0.3], [1, null, 0.2]] });
    const file = join(root, 'exp/a/metrics.ndjson');
    appendFileSync(file, record(30));
    const at = (c: { next: { file: string; offset: number } }): string => `&file=${encodeURIComponent(c.next.file)}&offset=${c.next.offset}`;
    const second = JSON.parse((await raw(port, `/api/cell?dir=exp%2Fa${at(first.chunk)}`)).body);
    expect(second.chunk.records.map((r: { step: number }) => r.step)).toEqual([30]);
    expect(second.chunk.reset).toBe(false);
    truncateSync(file, 0);
    appendFileSync(file, record(0));
    const third = JSON.parse((await raw(port, `/api/cell?dir=exp%2Fa${at(second.chunk)}`)).body);
    expect(third.chunk.reset).toBe(true);
    expect(third.chunk.records.map((r: { step: number }) => r.step)).toEqual([0]);
  });

  it('serves files under the folder as they are, HEAD without a body, HTML in a sandbox', async () => {
    const text = readFileSync(join(root, 'exp/b/metrics.ndjson'), 'utf8');
    const r = await raw(port, '/files/exp/b/metrics.ndjson');
    expect(r.status).toBe(200);
    expect(r.body).toBe(text);
    const h = await raw(port, '/files/exp/b/metrics.ndjson', { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.headers['content-length']).toBe(String(Buffer.byteLength(text)));
    expect(h.body).toBe('');
    const html = await raw(port, '/files/exp/b/report.html');
    expect(html.headers['content-security-policy']).toMatch(/^sandbox allow-scripts allow-downloads; /);
    // A symlink that stays inside the folder is followed.
    expect((await raw(port, '/files/link-in/b/metrics.ndjson')).body).toBe(text);
  });

  it.each([
    '/files/../outside/secret.txt', '/files/%2e%2e/outside/secret.txt', '/files/exp/..%2f..%2foutside%2fsecret.txt',
    '/files/link-out/secret.txt', '/files/.hidden/secret', '/files/exp/.shard-1-of-2.lock', '/files/exp%00/a',
    '/?dir=..', '/?dir=..%2Foutside', '/?dir=link-out', '/?dir=%2Fetc', '/api/cell?dir=..%2F..', '/api/experiment?dir=.hidden',
    '/files/exp', '/nowhere',
  ])('answers 404 to %s', async (path) => {
    const r = await raw(port, path);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('SECRET');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('refuses %s: read-only', async (method) => {
    const r = await raw(port, '/files/exp/b/metrics.ndjson', { method });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('answers only requests addressed to localhost (no DNS rebinding)', async () => {
    expect((await raw(port, '/', { host: `evil.example:${port}` })).status).toBe(421);
    expect((await raw(port, '/', { host: `localhost:${port}` })).status).toBe(200);
  });
});

describe('gradflow watch (the command)', () => {
  it('exits 2 when the folder does not exist', async () => {
    const r = await gradflow(['watch', join(tmp('gradflow-watch-cli-'), 'missing')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing: not a folder: expected a results folder, an experiment folder \(<out>\/<name>\) or a cell folder to watch\n$/);
  });

  it('exits 2 when the port it is given is taken', async () => {
    const dir = tmp('gradflow-watch-cli-');
    const busy = await startWatch({ folder: dir, host: '127.0.0.1', port: 0 });
    try {
      const port = new URL(busy.url).port;
      const r = await gradflow(['watch', dir, '--port', port]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`gradflow: --port: ${port} is not allowed: expected a free port: ${port} is in use on 127.0.0.1; choose another, or --port 0 for any free one\n`);
    } finally {
      await busy.close();
    }
  });
});

describe('gradflow watch --port with a value that is not a port', () => {
  it.each(['abc', '-1', '70000', '1.5'])('exits 2 naming %s as written', async (port) => {
    const r = await gradflow(['watch', tmp('gradflow-watch-cli-'), '--port', port]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`gradflow: --port: "${port}" is not allowed: expected an integer in [0, 65535] (0: any free port)\n`);
  });
});
