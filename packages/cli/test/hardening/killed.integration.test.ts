import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listTags } from "@skopush/testkit/environment";
import { entriesOf, runTool, startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { processesMentioning, runCli, startCli, waitUntil } from "../spawn-cli.js";
import { ciEnv, freshDir, throttledBasicRegistry, uniqueRepository, uploadedBytes, useCliTestBed } from "./support.js";

// `kill -9` of skopush mid-upload, through every strategy, with credentials (so the skopeo strategies hold
// an authfile). A SIGKILL runs no finalizer: what stops skopeo is the end of its session (docker exec's
// stdin, the Engine API connection) or, on the host, a watchdog. Then: no tag appears within 30 s; skopeo
// is gone in the container and here, and so is every authfile; after the next run (the next push, or a
// `skopush service` command) nothing of the killed push remains. The cases run side by side: each has its
// own container, shared directory, TMPDIR and repository.

const TAG_WATCH_MS = 30_000;

const bed = useCliTestBed("killed", {
  // 1 MiB/s: an 8 MiB image uploads for seconds (and, unstopped, would be tagged well within the 30 s
  // watched); the kill comes after the first 512 KiB.
  proxy: (environment) => throttledBasicRegistry(environment, 1 << 20),
});

interface Case {
  readonly label: string;
  readonly strategy: "docker-exec" | "dockerode" | "native" | "registry";
  /** Whether the container mounts the shared directory (dockerode uploads into the container when not). */
  readonly container?: "shared" | "upload";
  /** What runs next: another push through the same strategy, or `skopush service status`. */
  readonly next: "push" | "service";
}

const CASES: ReadonlyArray<Case> = [
  { label: "docker-exec", strategy: "docker-exec", container: "shared", next: "push" },
  { label: "dockerode (shared directory)", strategy: "dockerode", container: "shared", next: "service" },
  { label: "dockerode (upload)", strategy: "dockerode", container: "upload", next: "push" },
  { label: "native", strategy: "native", next: "push" },
  { label: "registry", strategy: "registry", next: "push" },
];

/** Files named auth.json under `dir` (the authfiles a push writes), at any depth. */
const authFilesIn = (dir: string): string[] => {
  try {
    return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((entry) => entry.endsWith("auth.json")).map((entry) => join(dir, entry));
  } catch {
    return [];
  }
};

/** The push directories skopush uploaded into the container's /tmp, and the authfiles in them. */
const containerUploads = async (container: string): Promise<string[]> => {
  const listed = await runTool("docker", ["exec", container, "sh", "-c", 'for d in /tmp/skopush-* /tmp/skopush-*/ws/auth.json; do [ -e "$d" ] && echo "$d"; done; exit 0']);
  return listed.stdout.split("\n").filter((line) => line.trim() !== "");
};

describe.concurrent.each(CASES)("skopush push --strategy $label, killed with SIGKILL mid-upload", (spec) => {
  it("no tag appears within 30 s; skopeo and the authfile are gone; the next run leaves nothing of it", { timeout: 240_000 }, async () => {
    const basic = bed.environment.registry("basic");
    const { username, password } = basic.credentials!;
    const tmp = await freshDir(bed.work.dir, `tmp-${spec.strategy}`);
    const home = await freshDir(bed.work.dir, `home-${spec.strategy}`);
    const repository = uniqueRepository(`killed-${spec.strategy}`);
    const image = await writeImageArchive(join(bed.work.dir, `killed-${randomBytes(4).toString("hex")}.tar`), {
      format: "docker-legacy",
      layers: 2,
      layerSize: 4 << 20,
      compressibility: "random",
      seed: repository,
    });
    const notMounted = join(bed.work.dir, `not-mounted-${randomBytes(3).toString("hex")}`);
    let resident: ResidentContainer | undefined;
    if (spec.container !== undefined) resident = await startResidentContainer({ image: bed.environment.skopeoImage, namePrefix: "skopush-killed" });
    try {
      const sharedDir = spec.container === "upload" ? notMounted : resident?.sharedDir;
      if (spec.container === "upload") await mkdir(notMounted, { mode: 0o700 });
      const containerFlags = resident ? ["--container", resident.name, "--shared-dir", sharedDir!] : [];
      const env = { ...ciEnv(home, tmp), ...(sharedDir ? { SKOPEO_SHARED_DIR: sharedDir } : {}) };
      const cli = startCli(
        ["push", image.path, `${bed.proxy.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "-u", username, "--password-stdin", "--json", "--strategy", spec.strategy, ...containerFlags],
        { env, stdin: password },
      );
      let ended = false;
      void cli.done.then(() => (ended = true));
      await waitUntil(() => ended || uploadedBytes(bed.proxy, repository) >= 512 << 10, `the ${spec.label} upload to start (stderr so far: ${cli.stderr()})`, 120_000);
      expect(ended, `skopush ended before the upload started: ${cli.stdout()} ${cli.stderr()}`).toBe(false);
      cli.kill("SIGKILL");
      const killed = await cli.done;
      expect(killed.signal).toBe("SIGKILL");
      const killedAt = Date.now();

      // skopeo stops with its session (TERM, KILL after the 5 s grace), and takes its authfile with it.
      const leftAuthFiles = async () => [...authFilesIn(tmp), ...(resident ? [...authFilesIn(resident.sharedDir), ...(await containerUploads(resident.name)).filter((p) => p.endsWith("auth.json"))] : [])];
      const skopeoRunning = async () => (await processesMentioning(repository)).length > 0 || (resident ? (await resident.processes()).length > 0 : false);
      const gone = async () => !(await skopeoRunning()) && (await leftAuthFiles()).length === 0;
      while (!(await gone()) && Date.now() - killedAt < 15_000) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await processesMentioning(repository)).toEqual([]);
      if (resident) expect(await resident.processes()).toEqual([]);
      expect(await leftAuthFiles()).toEqual([]);

      // No tag, for 30 s after the kill (before the fix, docker-exec's skopeo wrote it ~8 s after).
      const tagsSeen: string[] = [];
      while (Date.now() - killedAt < TAG_WATCH_MS) {
        tagsSeen.push(...(await listTags(basic, repository)));
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      expect(tagsSeen).toEqual([]);

      // The next run removes what the killed push left (its workspace, its upload into the container).
      if (spec.next === "push") {
        const small = await writeImageArchive(join(bed.work.dir, `next-${randomBytes(4).toString("hex")}.tar`), { format: "docker-legacy", layers: 1, layerSize: 32 << 10, seed: `${repository}-next` });
        const next = await runCli(
          ["push", small.path, `${basic.host}/${repository}-next:v1`, "--ca-cert", basic.caFile!, "-u", username, "--password-stdin", "--json", "--strategy", spec.strategy, ...containerFlags],
          { env, stdin: password },
        );
        expect(next.code, next.stderr).toBe(0);
      } else {
        const next = await runCli(["service", "status", "--name", resident!.name, "--json"], { env });
        expect(next.code, next.stderr).toBe(0);
        expect(JSON.parse(next.stdout).note).toMatch(/^removed \d+ leftovers? of killed pushes$/);
      }
      expect(entriesOf(tmp)).toEqual([]);
      if (resident) {
        expect(resident.leftovers()).toEqual([]);
        expect(await containerUploads(resident.name)).toEqual([]);
      }
      expect(await listTags(basic, repository)).toEqual([]);
    } finally {
      await resident?.remove();
    }
  });
});
