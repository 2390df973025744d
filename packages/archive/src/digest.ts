import { createHash, type Hash } from "node:crypto";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ArchiveInvalid } from "@skopush/core";
import { Effect } from "effect";
import { fromFsError, invalid } from "./archive-error.js";

/** Digest algorithms skopush reads, with the length of their hex encoding. */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;

/** A supported digest algorithm. */
export type DigestAlgorithm = keyof typeof ALGORITHMS;

/** A digest split into algorithm and hex. */
export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
}

/** Parses `sha256:<64 hex>` or `sha512:<128 hex>` (lower case); `undefined` otherwise. */
export const parseDigest = (value: string): ParsedDigest | undefined => {
  const match = /^(sha256|sha512):([0-9a-f]+)$/.exec(value);
  if (!match) return undefined;
  const algorithm = match[1] as DigestAlgorithm;
  const hex = match[2] as string;
  return hex.length === ALGORITHMS[algorithm] ? { algorithm, hex } : undefined;
};

/** The digest of `bytes`, `sha256:<hex>` by default. */
export const digestOf = (bytes: Uint8Array, algorithm: DigestAlgorithm = "sha256"): string =>
  `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;

const algorithmOf = (expected: string): DigestAlgorithm => parseDigest(expected)?.algorithm ?? "sha256";

/** What a {@link DigestVerifier} checks, and how to name it in the error. */
export interface DigestExpectation {
  /** The archive's path, for the error. */
  readonly path: string;
  /** What the bytes are, e.g. `layer 2 (blobs/sha256/ab…)`. */
  readonly label: string;
  /** The digest the bytes must hash to. */
  readonly expected: string;
  /** The size they must have, when known. */
  readonly size?: number | undefined;
}

const mismatch = (expectation: DigestExpectation, actual: string, size: number): ArchiveInvalid =>
  expectation.size !== undefined && size !== expectation.size
    ? invalid(expectation.path, `${expectation.label} is ${size} bytes, not the ${expectation.size} its descriptor states`, "copy or save the archive again")
    : invalid(
        expectation.path,
        `${expectation.label} content does not match its digest ${expectation.expected} (it hashes to ${actual})`,
        "the archive is corrupt or was altered; save the image again",
      );

/**
 * A pass-through stream that hashes what flows through it and, at its end, fails with `ArchiveInvalid`
 * when the bytes do not hash to the expected digest (or do not have the expected size). Pipe a blob
 * through it into an upload so that a lying archive fails the upload before it completes.
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  private bytes = 0;

  constructor(private readonly expectation: DigestExpectation) {
    super();
    this.hash = createHash(algorithmOf(expectation.expected));
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = `${algorithmOf(this.expectation.expected)}:${this.hash.digest("hex")}`;
    const sizeOk = this.expectation.size === undefined || this.expectation.size === this.bytes;
    callback(actual === this.expectation.expected && sizeOk ? null : mismatch(this.expectation, actual, this.bytes));
  }
}

/** The digest and size of a stream's bytes. */
export const digestStream = (
  path: string,
  label: string,
  open: () => Readable,
  algorithm: DigestAlgorithm = "sha256",
): Effect.Effect<{ readonly digest: string; readonly size: number }, ArchiveInvalid> =>
  Effect.tryPromise({
    try: async (signal) => {
      const hash = createHash(algorithm);
      let size = 0;
      await pipeline(
        open(),
        async (source: AsyncIterable<Buffer>) => {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
          }
        },
        { signal },
      );
      return { digest: `${algorithm}:${hash.digest("hex")}`, size };
    },
    catch: (cause) => fromFsError(path, `reading ${label}`, cause),
  });

/**
 * Hashes the stream `open()` returns and fails with `ArchiveInvalid` ("… content does not match its
 * digest") when it does not hash to `expected` (or, when given, does not have `size` bytes).
 */
export const verifyDigest = (expectation: DigestExpectation & { readonly open: () => Readable }): Effect.Effect<void, ArchiveInvalid> =>
  Effect.gen(function* () {
    const { digest, size } = yield* digestStream(expectation.path, expectation.label, expectation.open, algorithmOf(expectation.expected));
    if (digest !== expectation.expected || (expectation.size !== undefined && size !== expectation.size)) {
      return yield* Effect.fail(mismatch(expectation, digest, size));
    }
  });
