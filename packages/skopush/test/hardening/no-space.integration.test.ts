import { execFileSync } from "node:child_process";
import { mkdir, readdir, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUSH_ERROR_TABLE, resolvePusher } from "@skopush/core";
import { listTags, loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { createDefaultContainer, type StrategyName } from "skopush";
import { describeResult, scratch, uniqueRepository } from "./support.js";

// Issue 14.5: a full disk while decompressing a gzip archive is the machine's fault, not the input's: an
// EnvironmentFault (exit 1) that says where the room ran out and what to do, never ArchiveInvalid (exit
// 2). A real full file system: a 512 KiB tmpfs this test mounts (the suite runs as root, in CI too).

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let full: string;
let archive: string;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await scratch("no-space");
  full = join(work.dir, "full");
  await mkdir(full, { mode: 0o700 });
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", full]);
  archive = join(work.dir, "image.tar.gz");
  // 2 MiB of random layers: their decompressed tar cannot fit in 512 KiB.
  await writeImageArchive(archive, { format: "docker-legacy", layers: 2, layerSize: 1 << 20, compressibility: "random", compress: "gzip", seed: `no-space-${Date.now()}` });
});

afterAll(async () => {
  if (full) {
    try {
      execFileSync("umount", [full]);
      await rmdir(full);
    } catch {
      // Not mounted: the suite's check below failed first.
    }
  }
  await work?.cleanup();
});

describe.each<StrategyName>(["registry", "native"])("%s, decompressing into a full temp directory", (strategy) => {
  it("fails with EnvironmentFault (exit 1, not ArchiveInvalid's 2) naming the full directory and the fix; no tag, nothing left", async () => {
    const basic = environment.registry("basic");
    const repository = uniqueRepository(`no-space-${strategy}`);
    const container = createDefaultContainer({
      order: [strategy],
      credentialsProviders: false,
      strategies: { registry: { tempDirectory: full }, native: { tempDirectory: full } },
    });
    const result = await resolvePusher(container).push({
      archive,
      destination: `${basic.host}/${repository}:v1`,
      credentials: basic.credentials!,
      tls: { caFile: basic.caFile },
    });

    expect(result.status, describeResult(result)).toBe("error");
    if (result.status !== "error") return;
    // An environment fault lets the next strategy try (its temp directory may have room); with none left
    // the chain ends with NoStrategyAvailable (exit 1), whose message carries the fault and its fix.
    expect(result.attempts.map((attempt) => attempt.error), describeResult(result)).toEqual(["EnvironmentFault"]);
    expect(result.error).not.toBe("ArchiveInvalid");
    expect(PUSH_ERROR_TABLE[result.error].exitCode).toBe(1);
    expect(result.message).toMatch(/ENOSPC|no space left|no room/i);
    expect(result.message).toMatch(/Fix: free space/);
    expect(await readdir(full)).toEqual([]);
    expect(await listTags(basic, repository).catch(() => [])).toEqual([]);
  });
});
