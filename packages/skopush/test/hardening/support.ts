import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProgressEvent, PushResult } from "@skopush/core";
import type { ResidentContainer } from "@skopush/testkit/hardening";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import type { StrategyName, StrategySettings } from "skopush";

/** The four strategies, in the default chain's order. */
export const STRATEGIES: ReadonlyArray<StrategyName> = ["docker-exec", "dockerode", "native", "registry"];

/** A scratch directory for one test file. */
export const scratch = async (label: string) => {
  const dir = await mkdtemp(join(tmpdir(), `skopush-hardening-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
};

/** A repository name no other run uses. */
export const uniqueRepository = (label: string): string => `hardening/${label}-${randomBytes(4).toString("hex")}`;

/**
 * Strategy settings that point the container strategies at `resident` (docker-exec through its shared
 * directory, dockerode too), keep native's workspaces in `tempDirectory` and the registry strategy's
 * blob-info cache in a private directory, so a test sees every file a push writes.
 */
export const settingsFor = (resident: ResidentContainer, dirs: { readonly tempDirectory: string; readonly cacheDirectory: string }): StrategySettings => ({
  "docker-exec": { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } },
  dockerode: { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir }, transfer: "shared-directory" },
  native: { tempDirectory: dirs.tempDirectory },
  registry: { blobInfoCacheDir: dirs.cacheDirectory },
});

/** A random (incompressible) image no other test pushes: its blobs are new to every registry. */
export const uniqueImage = (dir: string, label: string, options: { layers?: number; layerSize?: number } = {}): Promise<ImageArchiveMetadata> =>
  writeImageArchive(join(dir, `${label}.tar`), {
    format: "docker-legacy",
    layers: options.layers ?? 2,
    layerSize: options.layerSize ?? 256 * 1024,
    compressibility: "random",
    seed: `${label}-${randomBytes(6).toString("hex")}`,
  });

/** Resolves once `condition` holds; rejects after `timeoutMs` saying what it waited for. */
export const waitUntil = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** True once a progress event says bytes are being uploaded. */
export const uploading = (events: ReadonlyArray<ProgressEvent>): boolean => events.some((event) => event.phase === "uploading");

/** The result, described for an assertion message. */
export const describeResult = (result: PushResult): string =>
  result.status === "success"
    ? `pushed ${result.digest} with ${result.method}`
    : `${result.error}: ${result.message}\n  attempts: ${JSON.stringify(result.attempts)}`;
