import * as zlib from "node:zlib";

/** One-shot zstd compression of a buffer into one frame. */
export type ZstdCompress = (data: Buffer, level: number) => Promise<Buffer>;

/** Where zstd comes from on this runtime. */
export type ZstdSource = "node:zlib" | "@bokuweb/zstd-wasm";

interface NodeZstd {
  zstdCompress(data: Buffer, options: { params: Record<number, number> }, callback: (error: Error | null, result: Buffer) => void): void;
  constants: { ZSTD_c_compressionLevel: number };
}

interface WasmZstd {
  init(): Promise<void>;
  compress(data: Uint8Array, level: number): Uint8Array;
}

/** True when this Node's zlib compresses zstd (22.15+, 23.8+). */
export const nodeHasZstd = (): boolean => typeof (zlib as unknown as { zstdCompress?: unknown }).zstdCompress === "function";

/** The zstd in use: Node's own where it has one (on the libuv thread pool), else the WebAssembly build of libzstd. */
export const zstdSource = (): ZstdSource => (nodeHasZstd() ? "node:zlib" : "@bokuweb/zstd-wasm");

const viaNode: ZstdCompress = (data, level) => {
  const z = zlib as unknown as NodeZstd;
  return new Promise((resolve, reject) =>
    z.zstdCompress(data, { params: { [z.constants.ZSTD_c_compressionLevel]: level } }, (error, result) => (error ? reject(error) : resolve(result))),
  );
};

let wasm: Promise<WasmZstd> | undefined;
const loadWasm = (): Promise<WasmZstd> => {
  wasm ??= (async () => {
    // Loaded on first use so a push that never asks for zstd never pays for it. A CommonJS package: its
    // exports come as the namespace's default. The skopush bundle leaves it out (its .wasm file sits beside
    // its JavaScript), so the one-file command has zstd on Node 20 only where the package is installed.
    let imported: WasmZstd & { default?: WasmZstd };
    try {
      imported = (await import("@bokuweb/zstd-wasm")) as unknown as WasmZstd & { default?: WasmZstd };
    } catch (cause) {
      throw new Error(
        `zstd needs Node 22.15+ (its zlib has zstd) or the npm package @bokuweb/zstd-wasm, which cannot be loaded here (${(cause as Error).message}); push with --compression gzip, or run on Node 22.15+`,
        { cause },
      );
    }
    const module = imported.default ?? imported;
    await module.init();
    return module;
  })();
  return wasm;
};

// The WebAssembly build runs on the main thread: one block at a time, between I/O callbacks.
const viaWasm: ZstdCompress = async (data, level) => {
  const module = await loadWasm();
  const out = module.compress(data, level);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
};

/** zstd compression from {@link zstdSource}. */
export const zstdCompress = (): ZstdCompress => (nodeHasZstd() ? viaNode : viaWasm);
