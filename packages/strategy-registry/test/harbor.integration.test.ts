import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredentials } from "@skopush/core";
import { loadTestEnvironment, readManifest, type RegistryCredentials, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { storedTags } from "@skopush/testkit/hardening";
import { pushFails, pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";

// Through the Harbor stand-in's registry front (Harbor's core on /v2/* before the token registry), the
// classifier meets Harbor's own bodies: 401 "project X not found" with an empty challenge, 403 DENIED
// for a quota, 401 "unauthorized to access repository" with Basic realm="harbor".
let env: TestEnvironment;
let harbor: TestRegistry;
let work: Awaited<ReturnType<typeof scratch>>;
let image: ImageArchiveMetadata;

beforeAll(async () => {
  env = await loadTestEnvironment();
  harbor = env.harborRegistry();
  work = await scratch("harbor");
  image = await writeImageArchive(join(work.dir, "image.tar"), { format: "docker-legacy", layers: 2, layerSize: 64 << 10, compressibility: 0.5, seed: `harbor-${Date.now()}` });
});

afterAll(() => work?.cleanup());

const as = (account: RegistryCredentials) => ({ credentials: makeCredentials(account.username, account.password) });

describe("the registry strategy against Harbor's own answers", () => {
  it("pushes as a robot, and the manifest is in the registry behind", async () => {
    const repository = uniqueRepository("front", env.harbor.project);
    const outcome = await pushOk(strategyIn(work.dir), requestFor(harbor, image.path, `${repository}:v1`, as(env.harbor.accounts.robot)));
    expect((await readManifest(env.registry("token"), repository, "v1")).digest).toBe(outcome.digest);
  });

  it("reads Harbor's 'project X not found' (a 401 to its blob HEAD) as ProjectNotFound, and tags nothing", async () => {
    const repository = uniqueRepository("app", env.harbor.missingProject);
    const error = await pushFails(strategyIn(work.dir), requestFor(harbor, image.path, `${repository}:v1`, as(env.harbor.accounts.admin)));
    expect(error).toMatchObject({ _tag: "ProjectNotFound", project: env.harbor.missingProject });
    expect(storedTags(env.registry("token"), repository)).toEqual([]);
    const { registryCalls } = await env.harborRecords();
    // Each blob check: the HEAD's 401 has no body, so the strategy asks again with GET to read Harbor's.
    const answers = new Set(registryCalls.filter((c) => c.path.startsWith(`/v2/${repository}/`)).map((c) => `${c.method} ${c.status} ${JSON.stringify(c.challenge)}`));
    expect([...answers].sort()).toEqual(['GET 401 ""', 'HEAD 401 ""']);
  });

  it("reads Harbor's quota refusal as QuotaExceeded with Harbor's numbers, and tags nothing", async () => {
    const repository = uniqueRepository("quota", env.harbor.quotaProject);
    const error = await pushFails(strategyIn(work.dir), requestFor(harbor, image.path, `${repository}:v1`, as(env.harbor.accounts.developer)));
    expect(error._tag).toBe("QuotaExceeded");
    expect(error.message).toMatch(/adding \d+\.\d KiB of storage resource, which when updated to current usage of .* will exceed the configured upper limit of 4\.0 KiB\./);
    expect(storedTags(env.registry("token"), repository)).toEqual([]);
  });

  it("tells a wrong password (AuthenticationFailed) from valid credentials without push (AccessDenied)", async () => {
    const wrong = await pushFails(
      strategyIn(work.dir),
      requestFor(harbor, image.path, `${uniqueRepository("wrong", env.harbor.project)}:v1`, as({ username: env.harbor.accounts.robot.username, password: "wrong:pa$$word" })),
    );
    expect(wrong).toMatchObject({ _tag: "AuthenticationFailed", username: env.harbor.accounts.robot.username });
    for (const account of [env.harbor.accounts.puller, env.harbor.accounts.pushOnlyRobot]) {
      const repository = uniqueRepository("denied", env.harbor.project);
      const denied = await pushFails(strategyIn(work.dir), requestFor(harbor, image.path, `${repository}:v1`, as(account)));
      expect(denied._tag, account.username).toBe("AccessDenied");
      expect(storedTags(env.registry("token"), repository)).toEqual([]);
    }
  });
});
