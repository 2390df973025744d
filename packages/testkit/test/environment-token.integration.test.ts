import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostSkopeoPush, listTags, loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { privateTempDir, uniqueTag, writeSmokeArchive } from "./environment-support.js";

let env: TestEnvironment;
let workDir: string;
let archive: string;

beforeAll(async () => {
  env = await loadTestEnvironment();
  workDir = await privateTempDir("skopush-token-smoke-");
  archive = join(workDir, "image.tar");
  await writeSmokeArchive(archive, "token-smoke");
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("the token registry and the Harbor stand-in", () => {
  it("takes a push from the host's skopeo with a robot whose secret holds ':' and '$', through the stand-in's tokens", async () => {
    const registry = env.registry("token");
    const robot = env.harbor.accounts.robot;
    expect(robot.username).toBe("robot$skopush+ci");
    expect(robot.password).toMatch(/:.*\$|\$.*:/);
    const tag = uniqueTag("token");
    const push = await hostSkopeoPush({ archive, registry, repository: "skopush/smoke", tag, credentials: robot });
    expect(push.argv.join(" ")).not.toContain(robot.password);
    // The read helpers run the Bearer flow against the same token service.
    expect((await readManifest(registry, "skopush/smoke", tag)).digest).toBe(push.digest);
    const { tokenRequests } = await env.harborRecords();
    const pushTokens = tokenRequests.filter((t) => t.username === robot.username && t.scopes.includes("repository:skopush/smoke:pull,push"));
    expect(pushTokens.at(-1)).toMatchObject({ status: 200, authenticated: true });
    // Harbor grants what the robot may do, in no fixed order.
    const granted = pushTokens.at(-1)?.access.find((a) => a.type === "repository" && a.name === "skopush/smoke");
    expect([...(granted?.actions ?? [])].sort()).toEqual(["pull", "push"]);
  });

  it("refuses a push with a wrong secret and stores nothing", async () => {
    const registry = env.registry("token");
    const repository = "skopush/refused";
    const credentials = { username: env.harbor.accounts.robot.username, password: "wrong:secret$" };
    await expect(hostSkopeoPush({ archive, registry, repository, tag: uniqueTag("wrong"), credentials })).rejects.toThrow(/unauthorized|denied|authentication required/i);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  it("refuses a push to a project that does not exist", async () => {
    const registry = env.registry("token");
    const repository = `${env.harbor.missingProject}/app`;
    await expect(
      hostSkopeoPush({ archive, registry, repository, tag: uniqueTag("missing"), credentials: env.harbor.accounts.admin }),
    ).rejects.toThrow(/unauthorized|denied|authentication required/i);
  });

  it("refuses anonymous reads", async () => {
    const { credentials: _credentials, ...anonymous } = env.registry("token");
    await expect(listTags(anonymous, "skopush/smoke")).rejects.toMatchObject({ _tag: "RegistryCheckFailed", status: 401 });
  });
});
