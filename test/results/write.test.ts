/**
 * The one atomic writer: temporary names unique per process, thread and call (two worker threads
 * writing at once never share one), nothing left behind when a write fails, and ndjson streams
 * of complete lines.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { NdjsonWriter, OutputError, tempPathFor, writeFileAtomic, writeJsonAtomic } from '../../src/results/write.js';

const root = mkdtempSync(join(tmpdir(), 'gradflow-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
};

/** Starts a thread that writes `file` `writes` times once `start` is set; resolves when it is waiting, with its names to come. */
function writeFromThread(file: string, tag: string, writes: number, start: SharedArrayBuffer): Promise<{ names: Promise<string[]> }> {
  const worker = new Worker(new URL('./write-worker.mjs', import.meta.url), { workerData: { file, tag, writes, start } });
  const names = new Promise<string[]>((resolve, reject) => {
    worker.on('message', (m: unknown) => {
      if (Array.isArray(m)) resolve(m);
    });
    worker.once('error', reject);
  });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve({ names }));
    worker.once('error', reject);
  });
}

describe('writeFileAtomic from two worker threads at once', () => {
  it('gives every write its own temporary name and leaves one whole file and no temporary file', async () => {
    const dir = fresh();
    const file = join(dir, 'summary.json');
    const start = new SharedArrayBuffer(4);
    const writes = 200;
    const threads = await Promise.all([writeFromThread(file, 'a', writes, start), writeFromThread(file, 'b', writes, start)]);
    // Both threads wait on the flag: release them together.
    const flag = new Int32Array(start);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    const [a, b] = await Promise.all(threads.map((t) => t.names));
    const names = [...a, ...b];
    expect(names).toHaveLength(2 * writes);
    expect(new Set(names).size).toBe(names.length);
    expect(readFileSync(file, 'utf8')).toMatch(/^[ab] \d+\n$/);
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });

  it('names the temporary file after the target, in the same folder, with pid and thread', () => {
    const t = tempPathFor('/x/y/summary.json');
    expect(t).toMatch(new RegExp(`^/x/y/\\.summary\\.json\\.${process.pid}\\.\\d+\\.\\d+\\.tmp$`));
    expect(tempPathFor('/x/y/summary.json')).not.toBe(t);
  });
});

describe('writeFileAtomic when the write fails', () => {
  it('removes the temporary file when the rename fails, and keeps what was there', () => {
    const dir = fresh();
    const target = join(dir, 'report.html');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    let err: unknown;
    try {
      writeFileAtomic(target, '<html></html>');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).path).toBe(target);
    expect((err as Error).message).toMatch(new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write: `));
    expect(readdirSync(dir)).toEqual(['report.html']);
    expect(readdirSync(target)).toEqual(['keep']);
  });

  it('says which file when its folder is missing, and creates nothing', () => {
    const dir = fresh();
    const file = join(dir, 'gone', 'summary.json');
    expect(() => writeJsonAtomic(file, { status: 'ok' })).toThrow(`${file}: cannot write: `);
    expect(existsSync(join(dir, 'gone'))).toBe(false);
  });

  it('replaces an old file whole', () => {
    const dir = fresh();
    const file = join(dir, 'index.json');
    writeJsonAtomic(file, { experiment: 'a', cells: [] });
    writeJsonAtomic(file, { experiment: 'b', cells: [] });
    expect(readFileSync(file, 'utf8')).toBe('{\n  "experiment": "b",\n  "cells": []\n}\n');
    expect(readdirSync(dir)).toEqual(['index.json']);
  });
});

describe('NdjsonWriter', () => {
  it('writes one complete line per record and refuses writes after close', () => {
    const dir = fresh();
    const w = new NdjsonWriter(join(dir, 'metrics.ndjson'));
    w.write({ step: 0, loss: null });
    w.write({ step: 1, loss: 0.5 });
    w.close();
    expect(readFileSync(join(dir, 'metrics.ndjson'), 'utf8')).toBe('{"step":0,"loss":null}\n{"step":1,"loss":0.5}\n');
    expect(() => w.write({ step: 2 })).toThrow('stream already closed');
  });

  it('throws OutputError naming the file when it cannot be opened', () => {
    const file = join(fresh(), 'missing', 'metrics.ndjson');
    expect(() => new NdjsonWriter(file)).toThrow(OutputError);
  });
});
