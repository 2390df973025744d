import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredentials } from "@skopush/core";
import { blobExists, listTags, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import type { RegistryCredentials } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { pushFails, pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";
import { startRegistryProxy } from "./support/registry-proxy.js";

// The token registry authenticates exactly as Harbor configures its registry: Bearer tokens from the
// Harbor stand-in's /service/token, which hands out tokens for what an account may do.
let env: TestEnvironment;
let registry: TestRegistry;
let work: Awaited<ReturnType<typeof scratch>>;
let image: ImageArchiveMetadata;
let second: ImageArchiveMetadata;

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("token");
  work = await scratch("token");
  image = await writeImageArchive(join(work.dir, "image.tar"), { format: "docker-legacy", layers: 2, layerSize: 256 << 10, compressibility: 0.5, seed: `token-${Date.now()}` });
  second = await writeImageArchive(join(work.dir, "second.tar"), { format: "oci-archive", layers: 2, layerSize: 128 << 10, seed: `token-second-${Date.now()}` });
});

afterAll(() => work?.cleanup());

const as = (account: RegistryCredentials) => ({ credentials: makeCredentials(account.username, account.password) });

/** Token requests for pushing to `repository` (not the test's own reads, which ask for pull only). */
const tokenRequestsFor = async (repository: string) =>
  (await env.harborRecords()).tokenRequests.filter((t) => t.scopes.includes(`repository:${repository}:pull,push`));

describe("Bearer token auth (Harbor-style token registry)", () => {
  it("pushes as a robot with one token for repository:<name>:pull,push, reused by the next push", async () => {
    const repository = uniqueRepository("bearer", env.harbor.project);
    const strategy = strategyIn(work.dir);
    const outcome = await pushOk(strategy, requestFor(registry, image.path, `${repository}:v1`, as(env.harbor.accounts.robot)));
    expect((await readManifest(registry, repository, "v1")).digest).toBe(outcome.digest);
    const first = await tokenRequestsFor(repository);
    expect(first.map((t) => ({ username: t.username, scopes: t.scopes, status: t.status, authenticated: t.authenticated }))).toEqual([
      { username: env.harbor.accounts.robot.username, scopes: [`repository:${repository}:pull,push`], status: 200, authenticated: true },
    ]);
    await pushOk(strategy, requestFor(registry, second.path, `${repository}:v2`, as(env.harbor.accounts.robot)));
    expect(await tokenRequestsFor(repository)).toHaveLength(1);
  });

  it("fails a wrong password with AuthenticationFailed naming the user, not the password, tagging nothing", async () => {
    const repository = uniqueRepository("wrong", env.harbor.project);
    const wrong = { username: env.harbor.accounts.robot.username, password: "wrong:pa$$word" };
    const error = await pushFails(strategyIn(work.dir), requestFor(registry, image.path, `${repository}:v1`, as(wrong)));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", username: wrong.username });
    expect(error.message).not.toContain(wrong.password);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  it("fails an expired robot (anonymous to Harbor) with AuthenticationFailed", async () => {
    const repository = uniqueRepository("expired", env.harbor.project);
    const error = await pushFails(strategyIn(work.dir), requestFor(registry, image.path, `${repository}:v1`, as(env.harbor.accounts.expiredRobot)));
    expect(error._tag).toBe("AuthenticationFailed");
  });

  it.each([
    ["a pull-only user", () => env.harbor.accounts.puller],
    ["a push-only robot (it cannot check blobs)", () => env.harbor.accounts.pushOnlyRobot],
  ])("fails %s with AccessDenied: valid credentials, not enough rights", async (_label, account) => {
    const repository = uniqueRepository("denied", env.harbor.project);
    const error = await pushFails(strategyIn(work.dir), requestFor(registry, image.path, `${repository}:v1`, as(account())));
    expect(error._tag).toBe("AccessDenied");
    expect(error.message).toContain(repository);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  it("fails a push to a project that does not exist with AccessDenied, since the token grants nothing there", async () => {
    const repository = uniqueRepository("app", env.harbor.missingProject);
    const error = await pushFails(strategyIn(work.dir), requestFor(registry, image.path, `${repository}:v1`, as(env.harbor.accounts.robot)));
    expect(error._tag).toBe("AccessDenied");
    expect(error.message).toContain(`check that project ${env.harbor.missingProject} exists`);
  });

  it("mounts from another repository of the project with a token that also grants pull on it", async () => {
    const source = uniqueRepository("mount-from", env.harbor.project);
    const target = uniqueRepository("mount-to", env.harbor.project);
    const strategy = strategyIn(work.dir, { blobInfoCacheDir: false, mountFrom: [source] });
    await pushOk(strategy, requestFor(registry, second.path, `${source}:v1`, as(env.harbor.accounts.robot)));
    // The second push goes through a recording proxy: every blob must arrive by a mount the registry did (201).
    const proxy = await startRegistryProxy({
      upstream: registry.url,
      caFile: registry.caFile,
      tls: { certFile: env.state.certificates.serverCert, keyFile: env.state.certificates.serverKey },
    });
    try {
      const outcome = await pushOk(strategy, requestFor(registry, second.path, `${target}:v1`, { ...as(env.harbor.accounts.robot), host: proxy.host }));
      expect(proxy.blobUploads()).toEqual([]);
      const mounts = proxy.requests.filter((r) => r.method === "POST" && r.path.startsWith(`/v2/${target}/blobs/uploads/`) && r.path.includes("mount="));
      const query = (path: string) => new URLSearchParams(path.slice(path.indexOf("?") + 1));
      expect(mounts.map((m) => [query(m.path).get("mount"), query(m.path).get("from"), m.status]).sort()).toEqual(
        [...second.layers.map((layer) => layer.digest), second.configDigest].map((digest) => [digest, source, 201]).sort(),
      );
      expect((await readManifest(registry, target, "v1")).digest).toBe(outcome.digest);
    } finally {
      await proxy.close();
    }
    const scopes = (await tokenRequestsFor(target)).map((t) => [...t.scopes].sort());
    expect(scopes).toContainEqual([`repository:${source}:pull`, `repository:${target}:pull,push`]);
    for (const layer of second.layers) expect(await blobExists(registry, target, layer.digest)).toBe(true);
  });
});
