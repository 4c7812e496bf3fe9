// parquet-wasm (15 MB of WebAssembly) loaded on first use: a worker that only ever reads CSV never
// compiles it. Its CommonJS build is ready when require() returns, so ops stay synchronous.

import { createRequire } from 'node:module';

type ParquetWasm = typeof import('parquet-wasm');

let loaded: ParquetWasm | null = null;

/** The parquet-wasm module of this thread, loaded the first time a Parquet op needs it. */
export function parquetWasm(): ParquetWasm {
  loaded ??= createRequire(import.meta.url)('parquet-wasm') as ParquetWasm;
  return loaded;
}

/** Whether this thread has loaded parquet-wasm (for the test that CSV work never does). */
export function parquetWasmLoaded(): boolean {
  return loaded !== null;
}
