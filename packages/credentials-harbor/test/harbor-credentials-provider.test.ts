import { Effect, Exit, Redacted, Scope } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredentials, StaticCredentialsProvider, type CredentialsProvider } from "@skopush/core";
import { HarborCredentialsProvider, type HarborCredentialsProviderOptions } from "@skopush/credentials-harbor";
import { ACCOUNTS, outcome, plain, startStandIn } from "./support.js";

let env: Awaited<ReturnType<typeof startStandIn>>;
beforeAll(async () => {
  env = await startStandIn();
});
afterAll(() => env.close());

const provider = (account: { username: string; password: string } | CredentialsProvider, options: Partial<HarborCredentialsProviderOptions> = {}) =>
  new HarborCredentialsProvider({
    url: env.standIn.url,
    registry: env.registry,
    credentials: account,
    retry: { times: 0, baseDelayMs: 1, maxDelayMs: 1 },
    ...options,
  });

const query = (repository = "skopush/app") => ({ registry: env.registry, repository });
const resolve = (p: HarborCredentialsProvider, repository?: string) => outcome(Effect.scoped(p.resolve(query(repository))).pipe(Effect.map(plain)));

describe("HarborCredentialsProvider", () => {
  it("passes a robot account through intact after validating it", async () => {
    expect(await resolve(provider(ACCOUNTS.robot))).toEqual(ACCOUNTS.robot);
    const tokens = env.standIn.tokenRequests.filter((t) => t.username === ACCOUNTS.robot.username);
    // First a token request WITHOUT scope (the validation), then one for the push scope (the rights check).
    expect(tokens.slice(-2).map((t) => ({ scopes: t.scopes, status: t.status, authenticated: t.authenticated }))).toEqual([
      { scopes: [], status: 200, authenticated: true },
      { scopes: ["repository:skopush/app:pull,push"], status: 200, authenticated: true },
    ]);
  });

  it("takes the account from another provider", async () => {
    const source = new StaticCredentialsProvider(makeCredentials(ACCOUNTS.developer.username, ACCOUNTS.developer.password));
    expect(await resolve(provider(source))).toEqual(ACCOUNTS.developer);
  });

  it("fails with AuthenticationFailed on a wrong password, before anything else happens", async () => {
    const calls = env.standIn.calls.length;
    const error = await resolve(provider({ username: ACCOUNTS.robot.username, password: "wrong:pass" }));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", username: ACCOUNTS.robot.username });
    expect((error as Error).message).not.toContain("wrong:pass");
    expect(env.standIn.calls.length).toBe(calls);
    expect(env.standIn.tokenRequests.at(-1)).toMatchObject({ scopes: [], status: 401 });
  });

  it("explains that an expired robot is refused like a wrong secret", async () => {
    const error = await resolve(provider(ACCOUNTS.expired));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed" });
    expect((error as Error).message).toMatch(/expired, disabled or was deleted/);
  });

  it("fails with ProjectNotFound naming the project and the option when the project is missing", async () => {
    const error = await resolve(provider(ACCOUNTS.admin), "no-such-project/app");
    expect(error).toMatchObject({ _tag: "ProjectNotFound", project: "no-such-project" });
    expect((error as Error).message).toMatch(/ensureProject: true/);
    expect((error as Error).message).toMatch(/the ensureProject: true option/);
  });

  it("creates the missing project with ensureProject, then checks the rights", async () => {
    expect(await resolve(provider(ACCOUNTS.developer, { ensureProject: true }), "ensured/app")).toEqual(ACCOUNTS.developer);
    expect(env.store.projects.get("ensured")?.public).toBe(false);
    expect(await resolve(provider(ACCOUNTS.developer, { ensureProject: true }), "ensured/app")).toEqual(ACCOUNTS.developer);
  });

  it("refuses a user who may only pull, before the push", async () => {
    const error = await resolve(provider(ACCOUNTS.puller));
    expect(error).toMatchObject({ _tag: "AccessDenied" });
    expect((error as Error).message).toMatch(/may pull but not push/);
  });

  it("refuses a robot with push but without pull, naming Harbor's problem", async () => {
    const error = await resolve(provider(ACCOUNTS.pushOnly));
    expect(error).toMatchObject({ _tag: "AccessDenied" });
    expect((error as Error).message).toMatch(/may push but not pull/);
    expect((error as Error).message).toMatch(/pull permission together with push/);
  });

  it("refuses a repository without a project part", async () => {
    expect(await resolve(provider(ACCOUNTS.robot), "app")).toMatchObject({ _tag: "InvalidReference", part: "project" });
  });

  it("has no answer for another registry", async () => {
    expect(await outcome(Effect.scoped(provider(ACCOUNTS.robot).resolve({ registry: "other.example.com", repository: "skopush/app" })))).toBeUndefined();
  });

  it("fails when its source has no credentials: Harbor accepts no anonymous push", async () => {
    const empty: CredentialsProvider = { name: "empty", resolve: () => Effect.succeed(undefined) };
    expect(await resolve(provider(empty))).toMatchObject({ _tag: "CredentialsError", message: expect.stringMatching(/no anonymous push/) });
  });

  describe("ephemeralRobot", () => {
    it("creates a project robot for the push, returns ITS credentials and deletes it when the scope closes", async () => {
      const scope = Effect.runSync(Scope.make());
      const exit = await Effect.runPromiseExit(Scope.provide(provider(ACCOUNTS.projectAdmin, { ephemeralRobot: true }).resolve(query()), scope));
      if (!Exit.isSuccess(exit) || !exit.value) throw new Error(String(exit));
      const robot = env.store.robotNamed(exit.value.username);
      expect(exit.value.username).toMatch(/^robot\$skopush\+skopush-[0-9a-f]{8}$/);
      expect(robot?.secret).toBe(Redacted.value(exit.value.password));
      expect(robot?.expiresAt).toBeGreaterThan(Date.now() / 1000);
      await Effect.runPromise(Scope.close(scope, Exit.void));
      expect(env.store.robotNamed(exit.value.username)).toBeUndefined();
      const robotCalls = env.standIn.calls.filter((c) => c.robot?.name === exit.value!.username).map((c) => `${c.method} ${c.status}`);
      expect(robotCalls).toEqual(["POST 201", "DELETE 200"]);
    });

    it("deletes the robot when the push fails or is interrupted", async () => {
      const p = provider(ACCOUNTS.admin, { ephemeralRobot: { durationDays: 2, namePrefix: "ci" } });
      const names: string[] = [];
      const use = p.resolve(query()).pipe(Effect.tap((c) => Effect.sync(() => names.push(c!.username))));
      expect(Exit.isFailure(await Effect.runPromiseExit(Effect.scoped(use.pipe(Effect.andThen(Effect.fail("push failed"))))))).toBe(true);
      expect(Exit.isFailure(await Effect.runPromiseExit(Effect.scoped(use.pipe(Effect.andThen(Effect.interrupt)))))).toBe(true);
      expect(names).toHaveLength(2);
      for (const name of names) {
        expect(name).toMatch(/^robot\$skopush\+ci-/);
        expect(env.store.robotNamed(name)).toBeUndefined();
      }
    });

    it("creates the project first with ensureProject", async () => {
      const credentials = await resolve(provider(ACCOUNTS.admin, { ensureProject: true, ephemeralRobot: true }), "fresh/app");
      expect(credentials).toMatchObject({ username: expect.stringMatching(/^robot\$fresh\+skopush-/) });
    });

    it("fails clearly for an account that may not create robots", async () => {
      const error = await resolve(provider(ACCOUNTS.developer, { ephemeralRobot: true }));
      expect(error).toMatchObject({ _tag: "AccessDenied" });
      expect((error as Error).message).toMatch(/project admin or a system admin/);
    });
  });
});

describe("HarborCredentialsProvider with OIDC", () => {
  let oidc: Awaited<ReturnType<typeof startStandIn>>;
  beforeAll(async () => {
    oidc = await startStandIn({ authMode: "oidc_auth" });
  });
  afterAll(() => oidc.close());

  const oidcProvider = (options: Partial<HarborCredentialsProviderOptions> = {}) =>
    new HarborCredentialsProvider({ url: oidc.standIn.url, registry: oidc.registry, credentials: ACCOUNTS.oidc, ...options });

  // The push itself, with a CLI secret through an OIDC Harbor stand-in and the real token registry: harbor-accounts.integration.test.ts.
  it("passes a CLI secret through once the token service accepted it and granted pull and push", async () => {
    expect(await outcome(Effect.scoped(oidcProvider().resolve({ registry: oidc.registry, repository: "skopush/app" })).pipe(Effect.map(plain)))).toEqual(ACCOUNTS.oidc);
    const tokens = oidc.standIn.tokenRequests.filter((t) => t.username === ACCOUNTS.oidc.username);
    expect(tokens.map((t) => ({ scopes: t.scopes, status: t.status, authenticated: t.authenticated }))).toEqual([
      { scopes: [], status: 200, authenticated: true },
      { scopes: ["repository:skopush/app:pull,push"], status: 200, authenticated: true },
    ]);
    expect(tokens[1]?.access[0]?.actions).toEqual(expect.arrayContaining(["pull", "push"]));
  });

  it("says a CLI secret cannot create an ephemeral robot, without trying", async () => {
    const error = await outcome(Effect.scoped(oidcProvider({ ephemeralRobot: true }).resolve({ registry: oidc.registry, repository: "skopush/app" })));
    expect(error).toMatchObject({ _tag: "CredentialsError" });
    expect((error as Error).message).toMatch(/OIDC CLI secret/);
    expect(oidc.standIn.calls.some((c) => c.method === "POST" && c.path.startsWith("/api/v2.0/robots"))).toBe(false);
  });
});
