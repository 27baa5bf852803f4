/**
 * The `wasm` kernel: float32 matrix products, activations and the SGD update in WebAssembly
 * SIMD (`assembly/*.ts`, compiled by `scripts/build-wasm.mjs` to `build/gemm.wasm`).
 *
 * Memory: every `allocBuffers` call (one per model) gets its own WebAssembly.Memory, sized
 * once to hold all of that call's buffers plus the kernel's scratch (packed panels), with
 * maximum = initial so it can never grow and the Float32Array views it hands out are never
 * detached. The products run in WASM when their operands live in one such memory; an input
 * operand from elsewhere (a caller's own array: a data batch, a probe) is copied into that
 * memory's staging area first, and anything else (float64, operands from two memories, an
 * output outside the memory) runs the TypeScript reference kernel, so every call is correct.
 *
 * float64 is delegated to the TypeScript kernel (its buffers are ordinary Float64Arrays).
 *
 * With `threads` > 1 (model.threads) the memory is shared (build/gemm-shared.wasm) and each
 * large call is split between that many threads (kernels-threads.ts), by panels of the output,
 * never along k: the bits are those of one thread. With `fma` the products use relaxed SIMD's
 * multiply-add (build/gemm-fma.wasm): faster where it fuses, but its bits depend on the machine.
 *
 * Results are bit-identical run to run and for any thread count (fixed blocking and summation
 * order) and agree with the TypeScript kernel within float32 rounding (another summation order).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ACTIVATIONS, type ActivationName, type ParamValues } from './activations.js';
import { OP_ADAM, OP_AXPY, OP_MOMENTUM, OP_SCALE, OP_SGD } from './kernels-protocol.mjs';
import { GEMM_AB, GEMM_ABT, GEMM_ATB, MAX_THREADS, ThreadTeam, type SharedExports, type TeamTuning, type ThreadProfile } from './kernels-threads.js';
import { tsKernels } from './kernels-ts.js';
import type { ForwardMode, NormBuffers } from './norm.js';
import type { DType, FloatArray, Kernels } from './tensor.js';

/** Where `npm run build:wasm` writes the module. */
export const WASM_PATH = fileURLToPath(new URL('../../build/gemm.wasm', import.meta.url));

/** The modules scripts/build-wasm.mjs builds: one thread, shared memory, shared with relaxed SIMD. */
export type WasmVariant = 'gemm' | 'gemm-shared' | 'gemm-fma';
export const wasmVariantPath = (v: WasmVariant): string => fileURLToPath(new URL(`../../build/${v}.wasm`, import.meta.url));

/** The exports of build/gemm*.wasm; pointers are byte offsets into the instance's memory. */
interface GemmExports extends SharedExports {
  staticEnd(): number;
  normParamBytes(units: number): number;
  gemmScratchBytes(): number;
  shiftedSums(x: number, n: number, out: number): void;
  binCounts(x: number, n: number, edges: number, bins: number, symlog: number, invWidth: number, side: number, minExp: number, perDecade: number, counts: number): void;
  derivativeCounts(d: number, rows: number, units: number, widthFactor: number, threshold: number, mask: number, zeros: number, out: number): void;
}

// The few WebAssembly JS-API members used here, typed locally: the project's lib is ES2022
// without DOM, which is where TypeScript declares the WebAssembly namespace.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}
const WASM_API = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Buffers start past the first page, which the module keeps for itself (offset 0 means "none"). */
const BASE = PAGE;
const ALIGN = 64;
/** k up to which any a operand of the largest buffer's size fits the packing area (see allocArena). */
const PACK_SLACK_K = 4096;
/** Least staging a memory gets: a reducer's edges and counts (1,300 bins), or 3,000 units' derivative counts. */
const STAGING_MIN_BYTES = 16384;
/** wasm32 memories stop at 4 GiB (65536 pages). */
const MAX_PAGES = 65536;

/** Activations with a fused WASM path, by the kind number assembly/elementwise.ts switches on. */
export const WASM_ACTIVATION_KINDS: Partial<Record<ActivationName, number>> = {
  identity: 0,
  relu: 1,
  leaky_relu: 2,
  tanh: 3,
  sigmoid: 4,
  elu: 5,
  selu: 6,
  relu6: 7,
  softsign: 8,
  silu: 9,
};

/** Kinds whose forward (COSTLY_FORWARD) or derivative (COSTLY_BACKWARD) takes an exp or a division an element. */
const COSTLY_FORWARD = new Set([3, 4, 5, 6, 8, 9]);
const COSTLY_BACKWARD = new Set([8, 9]);

/** One model's memory: its instance, the scratch for packed panels and the input staging area. */
interface Arena {
  readonly ex: GemmExports;
  /** The threads sharing this memory and the id they know it by; null on one thread. */
  readonly team: ThreadTeam | null;
  readonly id: number;
  readonly f32: Float32Array;
  /** The same memory as float64, int32 and bytes (a reducer's small inputs and outputs, in staging). */
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly scratch: number;
  /** Byte offset and capacity (floats) of the area foreign input operands are copied into. */
  readonly staging: number;
  readonly stagingFloats: number;
  /** Byte offset and size of the area a whole packed a operand goes to (threads only; else 0, 0). */
  readonly pack: number;
  readonly packBytes: number;
}

/**
 * The wasm kernel: the `Kernels` contract plus optional fused elementwise paths. Each fused
 * method returns false, having done nothing, when it does not apply (activation without a
 * WASM path, float64, arrays not all in one of this kernel's memories); the caller then runs
 * its own TypeScript loop.
 */
export interface WasmKernels extends Kernels {
  readonly name: 'wasm' | 'wasm-fma';
  /** Threads each large call is split across (1: the calling thread only). */
  readonly threads: number;
  /** True for the relaxed-SIMD multiply-add products (machine-dependent bits). */
  readonly fma: boolean;
  /** a[i] = f(z[i]) for i < n (a, z: [rows * units], the layer's cached pre-activation and output). */
  activationForward(name: ActivationName, p: ParamValues, z: FloatArray, a: FloatArray, n: number): boolean;
  /** dz[i] = da[i] * f'(z[i]) with a = f(z) cached, i < n. */
  activationBackward(
    name: ActivationName, p: ParamValues, z: FloatArray, a: FloatArray, da: FloatArray, dz: FloatArray, n: number,
  ): boolean;
  /** value[i] -= lr * (grad[i] + weightDecay * value[i]), the sgd optimizer's update, in doubles. */
  sgdStep(value: FloatArray, grad: FloatArray, lr: number, weightDecay: number): boolean;
  /** out[i] = x[i] + alpha y[i] and out[i] = alpha x[i], i < n, in doubles (a residual connection's sums). */
  axpy: NonNullable<Kernels['axpy']>;
  scale: NonNullable<Kernels['scale']>;
  /** The adam and momentum optimizers' updates, in doubles. */
  adamStep: NonNullable<Kernels['adamStep']>;
  momentumStep: NonNullable<Kernels['momentumStep']>;
  /** The reducers of the metrics pass (REDUCERS), always there. */
  shiftedSums: NonNullable<Kernels['shiftedSums']>;
  binCounts: NonNullable<Kernels['binCounts']>;
  derivativeCounts: NonNullable<Kernels['derivativeCounts']>;
  /** Batch and layer norm (NORMS), always there. */
  normForward: NonNullable<Kernels['normForward']>;
  normBackward: NonNullable<Kernels['normBackward']>;
  /** True when every array is float32 and lies in one memory of this kernel (the WASM path). */
  owns(...arrays: FloatArray[]): boolean;
  /**
   * The threads' counters (ThreadTeam.profile; zeros unless made with tuning.profile), then
   * zeroed when `reset`; null on one thread or before the first allocBuffers.
   */
  threadProfile(reset?: boolean): ThreadProfile[] | null;
}

/** Narrows a kernel to the wasm one, whose fused elementwise methods the caller may use. */
export function isWasmKernels(k: Kernels): k is WasmKernels {
  return (k.name === 'wasm' || k.name === 'wasm-fma') && typeof (k as Partial<WasmKernels>).activationForward === 'function';
}

const cachedModules = new Map<WasmVariant, object | null>();

/** Every model memory made by any wasm kernel object, by its buffer (entries die with the model). */
const arenas = new WeakMap<ArrayBufferLike, Arena>();

/** Tells a memory's helper threads to drop their instances once the model is garbage. */
const released = new FinalizationRegistry<{ team: ThreadTeam; id: number }>(({ team, id }) => team.detach(id));

/**
 * Shared memories are not counted as memory pressure by V8, so a thread that makes model after
 * model (a sweep on one worker) would keep every old one until some unrelated collection. After
 * this many bytes of new shared memory the thread collects its garbage, which lets `released`
 * free the old models (their helpers then drop them too).
 */
const COLLECT_AFTER_BYTES = 256 * 2 ** 20;
let sharedSinceCollect = 0;
let collectGarbage: (() => void) | undefined;

function noteSharedMemory(bytes: number): void {
  sharedSinceCollect += bytes;
  if (sharedSinceCollect < COLLECT_AFTER_BYTES) return;
  sharedSinceCollect = 0;
  if (collectGarbage === undefined) {
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as () => void;
  }
  collectGarbage();
}

/**
 * Compiles build/<variant>.wasm once per process (synchronously). Null when the file is missing
 * or this engine lacks what it needs (SIMD; threads for the shared ones); `getKernels('auto')`
 * then falls back to `ts`. Node 20's V8 (11.3) compiles relaxed SIMD only with
 * --experimental-wasm-relaxed-simd: the flag is set here, for this process, when `gemm-fma`
 * fails without it.
 */
export function loadWasmModule(variant: WasmVariant = 'gemm'): object | null {
  const cached = cachedModules.get(variant);
  if (cached !== undefined) return cached;
  let module: object | null = null;
  if (WASM_API) {
    try {
      const bytes = readFileSync(wasmVariantPath(variant));
      try {
        module = new WASM_API.Module(bytes);
      } catch (err) {
        if (variant !== 'gemm-fma') throw err;
        setFlagsFromString('--experimental-wasm-relaxed-simd');
        module = new WASM_API.Module(bytes);
      }
    } catch {
      module = null;
    }
  }
  cachedModules.set(variant, module);
  return module;
}

/** Forgets the compiled modules, so a rebuilt build/*.wasm is read again (tests). */
export function resetWasmModule(): void {
  cachedModules.clear();
}

/** What createWasmKernels builds: 1 thread and exact products unless asked. */
export interface WasmKernelOptions {
  /** Threads each large call is split across (default 1), at most 64. */
  readonly threads?: number;
  /** Relaxed-SIMD multiply-add in the products: machine-dependent bits (default false). */
  readonly fma?: boolean;
  /** With threads > 1, how the calls are cut (default: the measured constants of kernels-threads.ts). */
  readonly tuning?: TeamTuning;
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

function checkDims(op: string, m: number, n: number, k: number): void {
  if (!(isSize(m) && isSize(n) && isSize(k))) throw new RangeError(`${op}: sizes must be integers >= 0, got m=${m} n=${n} k=${k}`);
}

const isSize = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;

function checkLen(op: string, what: string, arr: FloatArray, need: number): void {
  if (arr.length < need) throw new RangeError(`${op}: ${what} has ${arr.length} elements, needs ${need}`);
}

/**
 * Creates the wasm kernel, or null when its module cannot be loaded (see loadWasmModule).
 * Cheap: the module is compiled once per process; memories are created by allocBuffers, and
 * with threads > 1 the helper threads start with the first of them.
 */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels | null {
  const threads = options.threads ?? 1;
  const fma = options.fma ?? false;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new RangeError(`createWasmKernels: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
  }
  const shared = threads > 1 || fma;
  const loaded = loadWasmModule(fma ? 'gemm-fma' : shared ? 'gemm-shared' : 'gemm');
  if (loaded === null || !WASM_API) return null;
  const module: object = loaded;
  const api = WASM_API;
  // The scratch size is a constant of the module: ask a one-page instance once, and check that
  // the module's static data (its constants) ends below BASE, where the buffers start.
  let scratchBytes: number;
  try {
    const probe = new api.Instance(module, { env: { memory: new api.Memory({ initial: 1, maximum: 1, shared }) } });
    const ex = probe.exports as GemmExports;
    if (ex.staticEnd() > BASE) return null;
    scratchBytes = ex.gemmScratchBytes();
  } catch {
    return null;
  }

  const ctx: ArenaContext = { api, module, threads, shared, scratchBytes, tuning: options.tuning, team: null };
  return {
    name: fma ? 'wasm-fma' : 'wasm',
    threads,
    fma,

    allocBuffers(dtype: DType, sizes: readonly number[]): FloatArray[] {
      if (dtype === 'float32') {
        const bufs = allocArena(ctx, sizes);
        if (bufs !== null) return bufs;
      }
      return tsKernels.allocBuffers(dtype, sizes);
    },

    ...ARENA_METHODS,
    ...REDUCERS,
    ...NORMS,

    threadProfile(reset = false) {
      if (ctx.team === null) return null;
      const p = ctx.team.profile();
      if (reset) ctx.team.resetProfile();
      return p;
    },
  };
}

/** The arena holding every array, or undefined when they are not all float32 in one of ours. */
function sameArena(arrays: readonly FloatArray[]): Arena | undefined {
  const ar = arenaOf(arrays[0]);
  return ar !== undefined && arrays.every((x) => arenaOf(x) === ar) ? ar : undefined;
}

/** True when x is a float32 view into ar's memory. */
const inArena = (ar: Arena, x: FloatArray): boolean => x instanceof Float32Array && x.buffer === ar.f32.buffer;

/** The arena holding `a`, if a is a float32 view into one of ours. */
const arenaOf = (a: FloatArray | null): Arena | undefined =>
  a instanceof Float32Array ? arenas.get(a.buffer) : undefined;

// Staging cursor of the product being set up (one at a time: JavaScript is single-threaded).
let stageAt = 0;
let stageEnd = 0;

/**
 * The arena a product runs in: the one holding its outputs (C, and colSum when given), or
 * undefined when they are not both in one arena. Resets that arena's staging cursor.
 */
function outputArena(C: FloatArray, extra: FloatArray | null): Arena | undefined {
  const ar = arenaOf(C);
  if (ar === undefined || (extra !== null && arenaOf(extra) !== ar)) return undefined;
  stageAt = ar.staging;
  stageEnd = ar.staging + ar.stagingFloats * 4;
  return ar;
}

/**
 * Byte offset of input x (its first `need` elements) inside `ar`: in place when x lives
 * there, else a copy in the staging area; -1 when neither applies (float64, no room).
 */
function inputPtr(ar: Arena, x: FloatArray, need: number): number {
  if (!(x instanceof Float32Array)) return -1;
  if (x.buffer === ar.f32.buffer) return x.byteOffset;
  if (stageAt + need * 4 > stageEnd) return -1;
  ar.f32.set(need === x.length ? x : x.subarray(0, need), stageAt / 4);
  const p = stageAt;
  stageAt += alignUp(need * 4, ALIGN);
  return p;
}

/** What allocArena needs of the kernel object that calls it; `team` is made at the first arena with threads. */
interface ArenaContext {
  readonly api: WasmApi;
  readonly module: object;
  readonly threads: number;
  readonly shared: boolean;
  readonly scratchBytes: number;
  readonly tuning: TeamTuning | undefined;
  team: ThreadTeam | null;
}

/**
 * One model's memory holding buffers of `sizes` floats (64-byte aligned from BASE), then the
 * staging area, the shared packing area (threads), and one scratch area a thread; null when it
 * cannot be had (the caller falls back to plain arrays).
 */
function allocArena(ctx: ArenaContext, sizes: readonly number[]): Float32Array[] | null {
  const { api, module, threads, shared, scratchBytes } = ctx;
  const offsets: number[] = [];
  let off = BASE;
  let largest = 0;
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`allocBuffers: size ${n} is not a non-negative integer`);
    offsets.push(off);
    off += alignUp(n * 4, ALIGN);
    largest = Math.max(largest, n);
  }
  const staging = off;
  // Room for two staged inputs the size of the largest buffer (e.g. a batch and a probe), and
  // at least STAGING_MIN_BYTES for a reducer's inputs and outputs (REDUCERS).
  const stagingFloats = Math.max(2 * alignUp(largest, ALIGN / 4), STAGING_MIN_BYTES / 4);
  off += stagingFloats * 4;
  // With threads, room for one packed a operand as large as the largest buffer: an a [m, k]
  // packs to ceil(m / 4) * 4 * k floats, so 3 rows of slack for k up to PACK_SLACK_K.
  const pack = threads > 1 ? off : 0;
  const packBytes = threads > 1 ? alignUp((largest + 3 * PACK_SLACK_K) * 4, ALIGN) : 0;
  off += packBytes;
  // One scratch area a thread.
  const scratch = off;
  const pages = Math.ceil((scratch + threads * scratchBytes) / PAGE);
  if (pages > MAX_PAGES) return null;
  let memory: WasmMemory;
  let ex: GemmExports;
  if (shared) noteSharedMemory(pages * PAGE);
  try {
    memory = new api.Memory({ initial: pages, maximum: pages, shared });
    ex = new api.Instance(module, { env: { memory } }).exports as GemmExports;
  } catch {
    return null; // out of address space or memory: the caller falls back to plain arrays
  }
  let id = 0;
  const team = threads > 1 ? (ctx.team ??= new ThreadTeam(module, threads, scratchBytes, ctx.tuning)) : null;
  if (team !== null) id = team.attach(memory);
  const buffer = memory.buffer;
  const f32 = new Float32Array(buffer);
  const views = { f64: new Float64Array(buffer), i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
  arenas.set(buffer, { ex, team, id, f32, ...views, scratch, staging, stagingFloats, pack, packBytes });
  if (team !== null) released.register(buffer, { team, id });
  return sizes.map((n, i) => new Float32Array(buffer, offsets[i], n));
}

/** Runs product `op` of gemmBlock on whole operands, split between the threads when there are several. */
function product(ar: Arena, op: number, A: number, B: number, bias: number, C: number, m: number, n: number, k: number, colSum: number): void {
  const lda = op === GEMM_ATB ? m : k;
  const ldb = op === GEMM_ABT ? k : n;
  if (ar.team !== null) ar.team.gemm(ar.ex, ar.id, op, A, lda, B, ldb, bias, C, n, m, n, k, colSum, ar.scratch, ar.pack, ar.packBytes);
  else ar.ex.gemmBlock(op, A, lda, B, ldb, bias, C, n, m, n, k, colSum, ar.scratch, 0);
}

/**
 * Product `op` in the arena holding C (and colSum): A has m k elements, B n k, C m n, bias n,
 * colSum m, whatever their orientation; A, B and bias are staged there when they live
 * elsewhere. False, having done nothing, when the TypeScript kernel must run it (C outside our
 * memories, float64, no room to stage).
 */
function wasmProduct(name: string, op: number, A: FloatArray, B: FloatArray, bias: FloatArray | null, C: FloatArray,
  m: number, n: number, k: number, colSum: FloatArray | null): boolean {
  const ar = outputArena(C, colSum);
  if (ar === undefined) return false;
  checkDims(name, m, n, k);
  checkLen(name, 'A', A, m * k);
  checkLen(name, 'B', B, n * k);
  checkLen(name, 'C', C, m * n);
  if (bias !== null) checkLen(name, 'bias', bias, n);
  if (colSum !== null) checkLen(name, 'colSum', colSum, m);
  const a = inputPtr(ar, A, m * k);
  const b = a < 0 ? -1 : inputPtr(ar, B, n * k);
  const c = bias === null ? 0 : b < 0 ? -1 : inputPtr(ar, bias, n);
  if (b < 0 || c < 0) return false;
  product(ar, op, a, b, c, C.byteOffset, m, n, k, colSum === null ? 0 : colSum.byteOffset);
  return true;
}

/** The kernel's calls on buffers of its memories (any wasm kernel object's: they are found by buffer). */
const ARENA_METHODS: Pick<WasmKernels, 'gemmABt' | 'gemmAB' | 'gemmAtB' | 'activationForward' | 'activationBackward' | 'sgdStep' | 'axpy' | 'scale' |
  'adamStep' | 'momentumStep' | 'owns'> = {
  gemmABt(A, B, bias, C, m, n, k) {
    if (!wasmProduct('gemmABt', GEMM_ABT, A, B, bias, C, m, n, k, null)) tsKernels.gemmABt(A, B, bias, C, m, n, k);
  },

  gemmAB(A, B, C, m, n, k) {
    if (!wasmProduct('gemmAB', GEMM_AB, A, B, null, C, m, n, k, null)) tsKernels.gemmAB(A, B, C, m, n, k);
  },

  gemmAtB(A, B, C, m, n, k, colSum) {
    if (!wasmProduct('gemmAtB', GEMM_ATB, A, B, null, C, m, n, k, colSum)) tsKernels.gemmAtB(A, B, C, m, n, k, colSum);
  },

  activationForward(name, p, z, a, n) {
    const kind = WASM_ACTIVATION_KINDS[name];
    const ar = arenaOf(z);
    if (kind === undefined || ar === undefined || arenaOf(a) !== ar) return false;
    if (!isSize(n)) throw new RangeError(`activationForward: n = ${n} is not a size`);
    checkLen('activationForward', 'z', z, n);
    checkLen('activationForward', 'a', a, n);
    if (ar.team !== null) ar.team.forward(ar.ex, ar.id, kind, z.byteOffset, a.byteOffset, n, alphaOf(name, p), COSTLY_FORWARD.has(kind));
    else ar.ex.activationForward(kind, z.byteOffset, a.byteOffset, n, alphaOf(name, p));
    return true;
  },

  activationBackward(name, p, z, a, da, dz, n) {
    const kind = WASM_ACTIVATION_KINDS[name];
    const ar = arenaOf(z);
    if (kind === undefined || ar === undefined || arenaOf(a) !== ar || arenaOf(da) !== ar || arenaOf(dz) !== ar) {
      return false;
    }
    if (!isSize(n)) throw new RangeError(`activationBackward: n = ${n} is not a size`);
    checkLen('activationBackward', 'z', z, n);
    checkLen('activationBackward', 'a', a, n);
    checkLen('activationBackward', 'da', da, n);
    checkLen('activationBackward', 'dz', dz, n);
    const args = [kind, z.byteOffset, a.byteOffset, da.byteOffset, dz.byteOffset, n, alphaOf(name, p)] as const;
    if (ar.team !== null) ar.team.backward(ar.ex, ar.id, ...args, COSTLY_BACKWARD.has(kind));
    else ar.ex.activationBackward(...args);
    return true;
  },

  sgdStep(value, grad, lr, weightDecay) {
    const ar = sameArena([value, grad]);
    if (ar === undefined) return false;
    checkLen('sgdStep', 'grad', grad, value.length);
    if (ar.team !== null) ar.team.elementwise(ar.ex, ar.id, OP_SGD, [value.byteOffset, grad.byteOffset], value.length, [lr, weightDecay]);
    else ar.ex.sgdStep(value.byteOffset, grad.byteOffset, value.length, lr, weightDecay);
    return true;
  },

  axpy(out, x, y, alpha, n) {
    const ar = sameArena([out, x, y]);
    if (ar === undefined) return false;
    if (!isSize(n)) throw new RangeError(`axpy: n = ${n} is not a size`);
    for (const [name, b] of [['out', out], ['x', x], ['y', y]] as const) checkLen('axpy', name, b, n);
    if (ar.team !== null) ar.team.elementwise(ar.ex, ar.id, OP_AXPY, [out.byteOffset, x.byteOffset, y.byteOffset], n, [alpha]);
    else ar.ex.axpy(out.byteOffset, x.byteOffset, y.byteOffset, n, alpha);
    return true;
  },

  adamStep(w, grad, m, v, k) {
    const ar = sameArena([w, grad, m, v]);
    if (ar === undefined) return false;
    const n = w.length;
    for (const [name, b] of [['grad', grad], ['m', m], ['v', v]] as const) checkLen('adamStep', name, b, n);
    // 1 - b1 and 1 - b2 are what the loop computes each time (the same doubles).
    const scalars = [k.b1, k.b2, 1 - k.b1, 1 - k.b2, k.eps, k.stepSize, k.bc2Sqrt, k.wd];
    const ptrs = [w.byteOffset, grad.byteOffset, m.byteOffset, v.byteOffset];
    if (ar.team !== null) ar.team.elementwise(ar.ex, ar.id, OP_ADAM, ptrs, n, scalars);
    else ar.ex.adamStep(ptrs[0], ptrs[1], ptrs[2], ptrs[3], n, scalars[0], scalars[1], scalars[2], scalars[3], scalars[4], scalars[5], scalars[6], scalars[7]);
    return true;
  },

  momentumStep(w, grad, vel, mu, lr, wd, nesterov) {
    const ar = sameArena([w, grad, vel]);
    if (ar === undefined) return false;
    const n = w.length;
    checkLen('momentumStep', 'grad', grad, n);
    checkLen('momentumStep', 'vel', vel, n);
    const ptrs = [w.byteOffset, grad.byteOffset, vel.byteOffset];
    if (ar.team !== null) ar.team.elementwise(ar.ex, ar.id, OP_MOMENTUM, ptrs, n, [mu, lr, wd, nesterov ? 1 : 0]);
    else ar.ex.momentumStep(ptrs[0], ptrs[1], ptrs[2], n, mu, lr, wd, nesterov ? 1 : 0);
    return true;
  },

  scale(out, x, alpha, n) {
    const ar = sameArena([out, x]);
    if (ar === undefined) return false;
    if (!isSize(n)) throw new RangeError(`scale: n = ${n} is not a size`);
    checkLen('scale', 'out', out, n);
    checkLen('scale', 'x', x, n);
    if (ar.team !== null) ar.team.elementwise(ar.ex, ar.id, OP_SCALE, [out.byteOffset, x.byteOffset], n, [alpha]);
    else ar.ex.scale(out.byteOffset, x.byteOffset, n, alpha);
    return true;
  },

  owns(...arrays) {
    return arrays.length > 0 && sameArena(arrays) !== undefined;
  },
};

/**
 * The arena holding float32 x (its first n elements, n >= 1) whose staging area has room for
 * `ioBytes` of a reducer's inputs and outputs; undefined when the TypeScript loop must run.
 * Staging is free between kernel calls: only a product stages its inputs, and it is done.
 */
function reduceArena(x: FloatArray, n: number, ioBytes: number): Arena | undefined {
  const ar = arenaOf(x);
  if (ar === undefined || !(Number.isInteger(n) && n >= 1 && n <= x.length) || ioBytes > ar.stagingFloats * 4) return undefined;
  return ar;
}

/** The reducers of the metrics pass (Kernels.shiftedSums, binCounts, derivativeCounts), on the calling thread. */
const REDUCERS: Required<Pick<Kernels, 'shiftedSums' | 'binCounts' | 'derivativeCounts'>> = {
  shiftedSums(x, n, out) {
    const ar = reduceArena(x, n, 24);
    if (ar === undefined) return false;
    ar.ex.shiftedSums(x.byteOffset, n, ar.staging);
    const o = ar.staging / 8;
    out[0] = ar.f64[o];
    out[1] = ar.f64[o + 1];
    out[2] = ar.f64[o + 2];
    return true;
  },

  binCounts(x, n, bins, out) {
    const e = bins.edges;
    const nb = e.length - 1;
    // edges (f64), then the counts (i32: nb + 3)
    const countsAt = alignUp(e.length * 8, ALIGN);
    const ar = reduceArena(x, n, countsAt + (nb + 3) * 4);
    if (ar === undefined || nb < 1 || out.length < nb + 3) return false;
    const o = ar.staging;
    ar.f64.set(e, o / 8);
    ar.i32.fill(0, (o + countsAt) / 4, (o + countsAt) / 4 + nb + 3);
    const symlog = bins.kind === 'symlog' ? 1 : 0;
    ar.ex.binCounts(x.byteOffset, n, o, nb, symlog, bins.invWidth, bins.side, bins.minExp, bins.perDecade, o + countsAt);
    out.set(ar.i32.subarray((o + countsAt) / 4, (o + countsAt) / 4 + nb + 3));
    return true;
  },

  derivativeCounts(d, rows, units, widthFactor, threshold, deadMask, out) {
    if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(units) && units >= 1 && Number.isInteger(widthFactor) && widthFactor >= 1)) return false;
    // zeros per unit (i32), the counts (i32: 3), then the mask (bytes)
    const outAt = alignUp(units * 4, 16);
    const maskAt = outAt + 16;
    const ar = reduceArena(d, rows * units * widthFactor, maskAt + units);
    if (ar === undefined || deadMask.length < units) return false;
    const o = ar.staging;
    ar.ex.derivativeCounts(d.byteOffset, rows, units, widthFactor, threshold, o + maskAt, o, o + outAt);
    out[0] = ar.i32[(o + outAt) / 4];
    out[1] = ar.i32[(o + outAt) / 4 + 1];
    out[2] = ar.i32[(o + outAt) / 4 + 2];
    deadMask.set(ar.u8.subarray(o + maskAt, o + maskAt + units));
    return true;
  },
};

/** The one numeric parameter the fused activations take (leaky_relu's and elu's alpha), default filled. */
function alphaOf(name: ActivationName, p: ParamValues): number {
  if (name !== 'leaky_relu' && name !== 'elu') return 0;
  const v = p.alpha;
  return typeof v === 'number' ? v : (ACTIVATIONS[name].params.alpha.default as number);
}

const NORM_MODES: Readonly<Record<ForwardMode, number>> = { train: 0, eval: 1, probe: 2 };

/**
 * Runs the norm pass `parts` ([which, count]: normPass's part and the units or rows it spans)
 * of norm s on x -> y over `rows` rows, split between the threads when there are several;
 * false, having done nothing, when any buffer is not float32 in one memory of ours or too short.
 */
function runNorm(s: NormBuffers, x: FloatArray, y: FloatArray, rows: number, mode: ForwardMode,
  parts: (units: number, rows: number) => [number, number][]): boolean {
  const ar = arenaOf(x);
  const C = s.units;
  // In the order of the parameter block's pointers (NORM_X ... NORM_DBETA).
  const bufs = [x, y, s.xhat, s.mean, s.invstd, s.weight, s.bias, s.runningMean, s.runningVar, s.weightGrad, s.biasGrad];
  if (ar === undefined || !bufs.every((b) => inArena(ar, b)) || !(Number.isInteger(rows) && rows >= 1 && Number.isInteger(C) && C >= 1)) return false;
  const stats = s.spec.name === 'batch' ? C : rows;
  const running = s.spec.name === 'batch' ? C : 0;
  if (x.length < rows * C || y.length < rows * C || s.xhat.length < rows * C || s.mean.length < stats || s.invstd.length < stats ||
    s.weight.length < C || s.bias.length < C || s.weightGrad.length < C || s.biasGrad.length < C ||
    s.runningMean.length < running || s.runningVar.length < running || ar.ex.normParamBytes(C) > ar.stagingFloats * 4) return false;
  // The parameter block and batch norm's sums (assembly/norm.ts, NORM_*) in the staging area, free between calls.
  const p = ar.staging;
  const ints = bufs.map((b) => b.byteOffset).concat(rows, C, NORM_MODES[mode]);
  ints.forEach((v, i) => { ar.i32[p / 4 + 2 * i] = v; });
  ar.f64[p / 8 + 14] = s.spec.eps;
  ar.f64[p / 8 + 15] = s.spec.momentum;
  const todo = parts(C, rows);
  if (ar.team !== null) ar.team.norm(ar.ex, ar.id, p, rows * C, todo);
  else for (const [which, count] of todo) ar.ex.normPass(which, p, 0, count);
  return true;
}

/** Batch and layer norm in WebAssembly (assembly/norm.ts), with the TypeScript loops' bits. */
const NORMS: Required<Pick<Kernels, 'normForward' | 'normBackward'>> = {
  normForward(s, z, n, rows, mode) {
    return runNorm(s, z, n, rows, mode, (units, r) => (s.spec.name === 'batch' ? [[0, units]] : [[2, r]]));
  },

  normBackward(s, dn, dz, rows, mode) {
    return runNorm(s, dn, dz, rows, mode, (units, r) => (s.spec.name === 'batch' ? [[1, units]] : [[3, units], [4, r]]));
  },
};
