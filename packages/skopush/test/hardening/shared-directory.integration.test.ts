import { mkdirSync, readdirSync, renameSync } from "node:fs";
import { chmod, chown, copyFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePusher, type ProgressEvent } from "@skopush/core";
import { listTags, loadTestEnvironment, type LocalUser, type TestEnvironment } from "@skopush/testkit/environment";
import {
  LINK_WORKSPACES_SCRIPT,
  runTool,
  startAsUser,
  startNodeScriptAsUser,
  startResidentContainer,
  SWAP_WORKSPACES_SCRIPT,
  type ResidentContainer,
  type UserProcess,
} from "@skopush/testkit/hardening";
import { createDefaultContainer, type StrategyName } from "skopush";
import { describeResult, scratch, uniqueImage, uniqueRepository } from "./support.js";

// Another local user (a real account, acting through setpriv) pre-creates the shared directory, as anyone
// can under /tmp, and attacks the workspaces pushes make in it while the victim (the user running the
// tests) pushes with credentials through docker-exec and dockerode. Before skopush checked the directory,
// the swap below made a push report success with her image under the victim's tag and credentials
// (6 of 6 runs), and the link made root hard-link the victim's private archive into her directory.
// Now the directory is refused: the strategy is unavailable, saying why and what to do, and the registry
// never gets the tag.

const CONTAINER_STRATEGIES = ["docker-exec", "dockerode"] as const satisfies ReadonlyArray<StrategyName>;

let environment: TestEnvironment;
let her: LocalUser;
let work: Awaited<ReturnType<typeof scratch>>;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  her = environment.otherUser;
  work = await scratch("shared-directory");
  // The victim's private directory; her scripts run from nowhere in it.
  await chmod(work.dir, 0o700);
});

afterAll(async () => {
  await work?.cleanup();
});

/** A directory she creates herself, as she could in /tmp (mode 0755 unless told). */
const herDirectory = async (label: string, mode = "755"): Promise<string> => {
  const path = join("/tmp", `skopush-theirs-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const made = startAsUser(her, ["mkdir", "-m", mode, path]);
  expect(await made.done, made.stderr()).toBe(0);
  return path;
};

const removeAsRoot = (path: string) => runTool("rm", ["-rf", "--", path]);

const strategySettings = (strategy: StrategyName, resident: ResidentContainer) =>
  strategy === "docker-exec"
    ? { "docker-exec": { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } } }
    : { dockerode: { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } } };

describe.each(CONTAINER_STRATEGIES)("%s, with a shared directory another user created", (strategy) => {
  let shared: string;
  let resident: ResidentContainer;
  let intruder: UserProcess | undefined;

  beforeAll(async () => {
    shared = await herDirectory(strategy);
    resident = await startResidentContainer({ image: environment.skopeoImage, sharedDir: shared, namePrefix: "skopush-trust" });
  });

  afterAll(async () => {
    await intruder?.stop();
    await resident?.remove();
    await removeAsRoot(shared);
  });

  const push = (archive: string, repository: string) => {
    const basic = environment.registry("basic");
    const container = createDefaultContainer({ order: [strategy], strategies: strategySettings(strategy, resident), credentialsProviders: false });
    return resolvePusher(container).push({
      archive,
      destination: `${basic.host}/${repository}:v1`,
      credentials: basic.credentials!,
      tls: { caFile: basic.caFile },
    });
  };

  const expectRefused = (result: Awaited<ReturnType<typeof push>>) => {
    expect(result.status, describeResult(result)).toBe("error");
    const message = result.status === "error" ? result.message : "";
    expect(message).toContain(`the shared directory ${shared} is owned by user ${her.name} (uid ${her.uid}), not by you (uid ${process.getuid?.()}) or root`);
    expect(message).toContain("SKOPEO_SHARED_DIR");
    expect(result.attempts).toMatchObject([{ strategy, outcome: "unavailable" }]);
  };

  it("her workspace swap never puts her image under the victim's tag: the directory is refused", async () => {
    const repository = uniqueRepository(`swap-${strategy}`);
    const victim = await uniqueImage(work.dir, `victim-swap-${strategy}`, { layers: 2, layerSize: 1 << 20 });
    const evil = await uniqueImage(work.dir, `evil-swap-${strategy}`, { layers: 1, layerSize: 64 << 10 });
    const herArchive = join(shared, ".evil.tar");
    await copyFile(evil.path, herArchive);
    await chown(herArchive, her.uid, her.gid);
    intruder = startNodeScriptAsUser(her, SWAP_WORKSPACES_SCRIPT, [shared, herArchive]);
    await intruder.waitFor((event) => event.event === "ready", "the swapper to watch");

    const result = await push(victim.path, repository);
    await intruder.stop();

    expectRefused(result);
    // The registry holds no tag: neither her image nor (since the push never ran) the victim's.
    expect(await listTags(environment.registry("basic"), repository)).toEqual([]);
    expect(intruder.events.filter((event) => event.event === "swapped")).toEqual([]);
    // Nothing of the victim's was written there (no workspace, no probe marker).
    expect((await readdir(shared)).filter((name) => name !== ".evil.tar")).toEqual([]);
  });

  it("her link in place of a workspace never makes the victim's archive readable to her: the directory is refused", async () => {
    const repository = uniqueRepository(`link-${strategy}`);
    const victim = await uniqueImage(work.dir, `victim-link-${strategy}`, { layers: 1, layerSize: 256 << 10 });
    await chmod(victim.path, 0o644); // readable by anyone who can reach it: only the 0700 directory protects it
    const mine = await herDirectory(`${strategy}-home`, "700");
    intruder = startNodeScriptAsUser(her, LINK_WORKSPACES_SCRIPT, [shared, mine]);
    await intruder.waitFor((event) => event.event === "ready", "the linker to watch");

    const result = await push(victim.path, repository);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let her look once more
    await intruder.stop();

    expectRefused(result);
    expect(intruder.events.filter((event) => event.event === "linked" || event.event === "read")).toEqual([]);
    expect(await listTags(environment.registry("basic"), repository)).toEqual([]);
    await removeAsRoot(mine);
  });
});

describe("a shared directory the victim owns, swapped by the victim's own process mid-push", () => {
  // Nobody else can write a trusted directory; what is left to check is that a workspace swapped anyway
  // (by root or the caller's other processes) is detected before skopeo runs and nothing is left in it.
  it.each(CONTAINER_STRATEGIES)("%s: the push fails with an EnvironmentFault, no tag, and the moved workspace is emptied", async (strategy) => {
    const resident = await startResidentContainer({ image: environment.skopeoImage, namePrefix: "skopush-trust" });
    try {
      const repository = uniqueRepository(`self-swap-${strategy}`);
      const victim = await uniqueImage(work.dir, `victim-self-${strategy}`);
      const aside = join(resident.sharedDir, "aside");
      let swapped = "";
      // The swap happens at one known point, synchronously inside the progress callback: after the workspace
      // was created, opened and filled, before the last check ahead of skopeo. (A watcher polling the shared
      // directory raced the workspace's creation instead; a swap before skopush opened the name is caught
      // there, as makeLocalWorkspace's own tests show.)
      const swapOnce = (event: ProgressEvent) => {
        if (swapped !== "" || !event.message.startsWith("Running skopeo copy")) return;
        const name = readdirSync(resident.sharedDir).find((entry) => entry.startsWith("skopush-"));
        if (name === undefined) return;
        renameSync(join(resident.sharedDir, name), aside);
        mkdirSync(join(resident.sharedDir, name), { mode: 0o700 });
        swapped = name;
      };
      const basic = environment.registry("basic");
      const container = createDefaultContainer({ order: [strategy], strategies: strategySettings(strategy, resident), credentialsProviders: false });
      const result = await resolvePusher(container).push({
        archive: victim.path,
        destination: `${basic.host}/${repository}:v1`,
        credentials: basic.credentials!,
        tls: { caFile: basic.caFile },
        onProgress: swapOnce,
      });

      expect(swapped).not.toBe("");
      expect(result.status, describeResult(result)).toBe("error");
      expect(result.status === "error" && result.message).toContain(`is not the one skopush created and filled: another directory was put in its place`);
      expect(result.attempts).toMatchObject([{ strategy, outcome: "failed", error: "EnvironmentFault" }]);
      expect(await listTags(basic, repository)).toEqual([]);
      // The moved workspace was emptied and removed where it went; the directory put in its place was left alone.
      expect((await readdir(resident.sharedDir)).sort()).toEqual([swapped]);
      expect(await readdir(join(resident.sharedDir, swapped))).toEqual([]);
    } finally {
      await resident.remove();
    }
  });
});
