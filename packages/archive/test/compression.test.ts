import { createReadStream } from "node:fs";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeImageArchive, zstdRawFrame } from "@skopush/testkit/fixtures";
import { Cause, Effect, Exit, Fiber } from "effect";
import { gunzipToTemp, sniffCompression } from "../src/compression.js";
import { openImageArchive } from "../src/index.js";
import { archiveInvalid, failed, runScoped, succeeded, useTempDirectory } from "./support.js";

const temp = useTempDirectory();

const freshRoot = async (name: string): Promise<string> => {
  const root = temp(name);
  await mkdir(root);
  return root;
};

describe("sniffCompression", () => {
  it("recognises gzip, zstd, bzip2 and xz by their magic", () => {
    expect(sniffCompression(gzipSync("x"))).toBe("gzip");
    expect(sniffCompression(zstdRawFrame(Buffer.from("x")))).toBe("zstd");
    expect(sniffCompression(Buffer.from("BZh91AY&SY"))).toBe("bzip2");
    expect(sniffCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]))).toBe("xz");
    expect(sniffCompression(Buffer.from("manifest.json\0\0\0"))).toBe("none");
    expect(sniffCompression(Buffer.alloc(0))).toBe("none");
  });
});

describe("gunzipToTemp", () => {
  it("decompresses into a private directory (0700) and file (0600) that the scope removes", async () => {
    const source = temp("payload.gz");
    await writeFile(source, gzipSync(Buffer.from("payload")));
    const root = await freshRoot("private");
    const seen = succeeded(
      await runScoped(
        Effect.gen(function* () {
          const file = yield* gunzipToTemp(source, root);
          return yield* Effect.promise(async () => ({
            file,
            content: await new Promise<string>((resolve) => {
              let text = "";
              createReadStream(file).on("data", (chunk) => (text += chunk)).on("end", () => resolve(text));
            }),
            fileMode: (await stat(file)).mode & 0o777,
            directoryMode: (await stat(join(file, ".."))).mode & 0o777,
          }));
        }),
      ),
    );
    expect(seen).toMatchObject({ content: "payload", fileMode: 0o600, directoryMode: 0o700 });
    expect(await readdir(root)).toEqual([]);
  });

  it("removes the temp file when the gzip stream is corrupt", async () => {
    const source = temp("corrupt.gz");
    const gzipped = gzipSync(Buffer.alloc(1 << 20, 7));
    gzipped.writeUInt8((gzipped.at(-6) ?? 0) ^ 0xff, gzipped.length - 6); // the CRC no longer matches
    await writeFile(source, gzipped);
    const root = await freshRoot("corrupt");
    const error = archiveInvalid(await runScoped(gunzipToTemp(source, root)));
    expect(error.reason).toMatch(/is a corrupt or truncated gzip stream/);
    expect(await readdir(root)).toEqual([]);
  });

  it("removes the temp file when interrupted while decompressing", async () => {
    const meta = await writeImageArchive(temp("big.tar.gz"), {
      format: "docker-legacy",
      layerSize: 64 << 20,
      compressibility: "compressible",
      compress: "gzip",
      seed: "interrupt",
    });
    const root = await freshRoot("interrupted");
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(Effect.scoped(openImageArchive(meta.path, { tempDirectory: root })));
        // Wait until decompression has started writing, then interrupt it.
        while ((yield* Effect.promise(() => readdir(root))).length === 0) yield* Effect.sleep(1);
        yield* Fiber.interrupt(fiber);
        const outcome = yield* Fiber.await(fiber);
        return { interrupted: Exit.isFailure(outcome) && Cause.hasInterruptsOnly(outcome.cause), left: yield* Effect.promise(() => readdir(root)) };
      }),
    );
    expect(Exit.isSuccess(exit) && exit.value).toEqual({ interrupted: true, left: [] });
  });

  it("reports a missing temp root as the environment's fault (not the archive's), with a fix", async () => {
    const source = temp("any.gz");
    await writeFile(source, gzipSync("x"));
    const error = failed(await runScoped(gunzipToTemp(source, temp("no-such-root"), "registry")));
    expect(error).toMatchObject({ _tag: "EnvironmentFault", strategy: "registry" });
    expect(error.message).toMatch(/cannot create a temporary directory in .*no-such-root.*ENOENT/);
    expect(error._tag === "EnvironmentFault" && error.fix).toMatch(/TMPDIR/);
  });
});
