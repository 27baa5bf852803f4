/** Absolute path of the compiled single-thread kernel module, build/gemm.wasm. */
export declare const WASM_PATH: string;
/** The module variants built from assembly/, by name, with their extra asc flags. */
export declare const VARIANTS: Readonly<Record<'gemm' | 'gemm-shared' | 'gemm-fma', readonly string[]>>;
/** Absolute path of a variant's module, build/<variant>.wasm. */
export declare function wasmPath(variant: keyof typeof VARIANTS): string;
/** True when a module is missing or older than a source in assembly/. */
export declare function wasmStale(): boolean;
/** Compiles assembly/gemm.ts to every variant; resolves to the path of build/gemm.wasm. */
export declare function buildWasm(options?: { quiet?: boolean }): Promise<string>;
