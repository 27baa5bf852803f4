/** Absolute path of the compiled kernel module, build/gemm.wasm. */
export declare const WASM_PATH: string;
/** Compiles assembly/gemm.ts to build/gemm.wasm; resolves to the output path. */
export declare function buildWasm(options?: { quiet?: boolean }): Promise<string>;
