import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredentials, type Credentials, type CredentialsProvider, type PushError } from "@skopush/core";
import { HarborClient, HarborCredentialsProvider, TokenServiceCredentialsVerifier, type HarborCredentialsProviderOptions } from "@skopush/credentials-harbor";
import { hostSkopeoPush, listTags, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";

let env: TestEnvironment;
let registry: TestRegistry;
let work: string;
let archive: string;

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("token");
  work = await mkdtemp(join(tmpdir(), "skopush-credentials-harbor-it-"));
  await chmod(work, 0o700);
  archive = join(work, "image.tar");
  await writeImageArchive(archive, { format: "docker-legacy", layers: 2, layerSize: 32 * 1024, compressibility: 0.5, seed: "credentials-harbor" });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const unique = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/** The provider as a user configures it: Harbor's URL, the registry host, the test CA, TLS verified. */
const harbor = (credentials: HarborCredentialsProviderOptions["credentials"], options: Partial<HarborCredentialsProviderOptions> = {}) =>
  new HarborCredentialsProvider({ url: env.harbor.url, registry: registry.host, tls: { caFile: env.harbor.caFile }, credentials, ...options });

const plain = (credentials: Credentials | undefined) => ({ username: credentials!.username, password: Redacted.value(credentials!.password) });

/** Resolves inside a scope, pushes with the answer through the host's skopeo, then lets the scope close. */
const resolveAndPush = (provider: CredentialsProvider, repository: string, tag: string, source = archive) =>
  Effect.scoped(
    Effect.gen(function* () {
      const credentials = yield* provider.resolve({ registry: registry.host, repository });
      const push = yield* Effect.tryPromise({
        try: () => hostSkopeoPush({ archive: source, registry, repository, tag, credentials: plain(credentials) }),
        catch: (cause) => cause as Error,
      });
      return { credentials: plain(credentials), digest: push.digest };
    }),
  );

const failureOf = async (effect: Effect.Effect<unknown, PushError | Error>) => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "None") throw Cause.squash(exit.cause);
  return error.value;
};

describe("HarborCredentialsProvider against the token registry and the Harbor stand-in (real skopeo, real registry)", () => {
  it("validates the robot robot$skopush+ci, passes it through intact, and the push lands", async () => {
    const { accounts, project } = env.harbor;
    const repository = `${project}/validated`;
    const tag = unique("robot");
    const result = await Effect.runPromise(resolveAndPush(harbor(accounts.robot), repository, tag));
    expect(result.credentials).toEqual(accounts.robot);
    expect((await readManifest(registry, repository, tag)).digest).toBe(result.digest);
  });

  it("validates credentials taken from another provider", async () => {
    const { accounts, project } = env.harbor;
    const source: CredentialsProvider = { name: "ci-secrets", resolve: () => Effect.succeed(makeCredentials(accounts.developer.username, accounts.developer.password)) };
    const repository = `${project}/from-source`;
    const tag = unique("source");
    const result = await Effect.runPromise(resolveAndPush(harbor(source), repository, tag));
    expect(result.credentials.username).toBe(accounts.developer.username);
    expect((await readManifest(registry, repository, tag)).digest).toBe(result.digest);
  });

  it("fails a wrong password with AuthenticationFailed in the validation step, before any push", async () => {
    const { accounts, project } = env.harbor;
    const wrong = { username: accounts.robot.username, password: "wrong:pass$word" };
    const repository = `${project}/never-pushed`;
    const before = (await env.harborRecords()).tokenRequests.length;
    const error = await failureOf(resolveAndPush(harbor(wrong), repository, unique("wrong")));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", username: accounts.robot.username });
    expect((error as Error).message).not.toContain(wrong.password);
    const after = (await env.harborRecords()).tokenRequests.slice(before).filter((t) => t.username === wrong.username);
    // Only the scope-less validation request was made: skopeo never ran, so no push scope was asked for.
    expect(after.map((t) => ({ scopes: t.scopes, status: t.status }))).toEqual([{ scopes: [], status: 401 }]);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  it("fails a missing project with ProjectNotFound naming the project and the ensureProject option", async () => {
    const { accounts, missingProject } = env.harbor;
    const error = await failureOf(resolveAndPush(harbor(accounts.admin), `${missingProject}/app`, unique("missing")));
    expect(error).toMatchObject({ _tag: "ProjectNotFound", project: missingProject });
    expect((error as Error).message).toContain(`"${missingProject}"`);
    expect((error as Error).message).toContain("the ensureProject: true option");
    expect((error as Error).message).not.toContain("--ensure-project");
  });

  it("creates the project with ensureProject, then pushes (the token is fetched after the project exists)", async () => {
    const project = unique("ensured").replace(/[^a-z0-9-]/g, "");
    const repository = `${project}/app`;
    const tag = unique("v");
    const result = await Effect.runPromise(resolveAndPush(harbor(env.harbor.accounts.developer, { ensureProject: true }), repository, tag));
    // The environment's robot belongs to another project: read back as the system admin.
    expect((await readManifest({ ...registry, credentials: env.harbor.accounts.admin }, repository, tag)).digest).toBe(result.digest);
    const { calls } = await env.harborRecords();
    expect(calls.filter((c) => c.path === "/api/v2.0/projects" && c.method === "POST").some((c) => c.status === 201 && c.username === "developer")).toBe(true);
  });

  it("refuses a pull-only user with AccessDenied before the push", async () => {
    const error = await failureOf(resolveAndPush(harbor(env.harbor.accounts.puller), `${env.harbor.project}/pull-only`, unique("p")));
    expect(error).toMatchObject({ _tag: "AccessDenied" });
    expect((error as Error).message).toMatch(/may pull but not push/);
  });

  it("refuses a robot with push but without pull, and an expired robot, with their own messages", async () => {
    const pushOnly = await failureOf(resolveAndPush(harbor(env.harbor.accounts.pushOnlyRobot), `${env.harbor.project}/push-only`, unique("p")));
    expect((pushOnly as Error).message).toMatch(/may push but not pull.*goharbor\/harbor#13973/);
    const expired = await failureOf(resolveAndPush(harbor(env.harbor.accounts.expiredRobot), `${env.harbor.project}/expired`, unique("p")));
    expect(expired).toMatchObject({ _tag: "AuthenticationFailed" });
    expect((expired as Error).message).toMatch(/expired, disabled or was deleted/);
  });

  it("reads the pushed artifact back through the Harbor API, the repository name encoded twice", async () => {
    const { accounts, project } = env.harbor;
    const repository = `${project}/team/app`;
    const tag = unique("artifact");
    const result = await Effect.runPromise(resolveAndPush(harbor(accounts.robot), repository, tag));
    const client = new HarborClient({ url: env.harbor.url, tls: { caFile: env.harbor.caFile }, credentials: makeCredentials(accounts.developer.username, accounts.developer.password) });
    const artifact = await Effect.runPromise(client.getArtifact(project, "team/app", tag));
    expect(artifact?.digest).toBe(result.digest);
    expect(await Effect.runPromise(client.getArtifact(project, "team/app", "no-such-tag"))).toBeUndefined();
    const { calls } = await env.harborRecords();
    expect(calls.some((c) => c.path === `/api/v2.0/projects/${project}/repositories/team%252Fapp/artifacts/${tag}` && c.status === 200)).toBe(true);
  });

  it("refuses Harbor's certificate without the CA (TLS is verified by default)", async () => {
    const untrusted = new HarborCredentialsProvider({ url: env.harbor.url, registry: registry.host, credentials: env.harbor.accounts.robot });
    const error = await failureOf(Effect.scoped(untrusted.resolve({ registry: registry.host, repository: `${env.harbor.project}/app` })));
    expect(error).toMatchObject({ _tag: "TlsVerificationFailed" });
  });

  describe("ephemeralRobot", () => {
    it("creates a project robot, pushes with it, and deletes it when the push ends", async () => {
      const { accounts, project } = env.harbor;
      const repository = `${project}/ephemeral`;
      const tag = unique("robot");
      const result = await Effect.runPromise(resolveAndPush(harbor(accounts.projectAdmin, { ephemeralRobot: true }), repository, tag));
      const robotName = result.credentials.username;
      expect(robotName).toMatch(/^robot\$skopush\+skopush-[0-9a-f]{8}$/);
      expect((await readManifest(registry, repository, tag)).digest).toBe(result.digest);

      const { calls, tokenRequests } = await env.harborRecords();
      const created = calls.find((c) => c.method === "POST" && c.path === "/api/v2.0/robots" && c.robot?.name === robotName);
      const deleted = calls.find((c) => c.method === "DELETE" && c.robot?.name === robotName);
      const used = tokenRequests.filter((t) => t.username === robotName && t.scopes.includes(`repository:${repository}:pull,push`));
      expect(created).toMatchObject({ status: 201, username: accounts.projectAdmin.username });
      expect(used.length).toBeGreaterThan(0);
      expect(used.every((t) => t.authenticated && t.access[0]?.actions.includes("push"))).toBe(true);
      expect(deleted).toMatchObject({ status: 200, path: `/api/v2.0/robots/${created!.robot!.id}` });
      // create → used → deleted, in that order.
      expect(Date.parse(created!.at)).toBeLessThanOrEqual(Date.parse(used[0]!.at));
      expect(Date.parse(used.at(-1)!.at)).toBeLessThanOrEqual(Date.parse(deleted!.at));
      expect((await env.harborRobots()).some((r) => r.name === robotName)).toBe(false);
    });

    it("deletes the robot also when the push fails", async () => {
      const { accounts, project } = env.harbor;
      const before = (await env.harborRecords()).calls.length;
      const error = await failureOf(resolveAndPush(harbor(accounts.admin, { ephemeralRobot: true }), `${project}/failing`, unique("f"), join(work, "missing.tar")));
      expect((error as Error).message).toMatch(/skopeo .* failed/);
      const calls = (await env.harborRecords()).calls.slice(before);
      const created = calls.find((c) => c.method === "POST" && c.path === "/api/v2.0/robots" && c.status === 201);
      expect(created?.robot).toBeDefined();
      expect(calls.find((c) => c.method === "DELETE" && c.robot?.id === created!.robot!.id)).toMatchObject({ status: 200 });
      expect((await env.harborRobots()).some((r) => r.id === created!.robot!.id)).toBe(false);
    });
  });
});

describe("TokenServiceCredentialsVerifier against the token registry", () => {
  const verifier = new TokenServiceCredentialsVerifier();
  const refusal = (username: string, password: string, tls: { verify: boolean; caFile?: string }, host = registry.host) =>
    Effect.runPromise(verifier.refusal({ registry: host, credentials: makeCredentials(username, password), tls }));

  it("finds a wrong password refused by the token service, without the password in the error", async () => {
    const found = await refusal(env.harbor.accounts.robot.username, "wrong:pa$$word", { verify: true, caFile: registry.caFile });
    expect(found?._tag).toBe("AuthenticationFailed");
    expect(found?.message).toMatch(/refused the credentials \(HTTP 401\)/);
    expect(found?.message).not.toContain("wrong:pa$$word");
  });

  it("finds nothing wrong with good credentials, even for a project they cannot push to", async () => {
    expect(await refusal(env.harbor.accounts.robot.username, env.harbor.accounts.robot.password, { verify: true, caFile: registry.caFile })).toBeUndefined();
  });

  it("cannot tell, and says nothing, when the certificate is not trusted or nothing listens", async () => {
    expect(await refusal(env.harbor.accounts.robot.username, "wrong", { verify: true })).toBeUndefined();
    expect(await refusal("user", "wrong", { verify: true, caFile: registry.caFile }, "127.0.0.1:9")).toBeUndefined();
  });

  it("asks over https without verification when TLS verification is off", async () => {
    const found = await refusal(env.harbor.accounts.robot.username, "wrong", { verify: false });
    expect(found?._tag).toBe("AuthenticationFailed");
  });
});
