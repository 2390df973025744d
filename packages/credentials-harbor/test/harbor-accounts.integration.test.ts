import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HarborApiStandIn } from "@skopush/testkit/harbor";
import { HarborCredentialsProvider, type HarborCredentialsProviderOptions } from "@skopush/credentials-harbor";
import { hostSkopeoPush, loadTestEnvironment, readManifest, startHarborStandInBeside, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";

// Each kind of Harbor account, end to end: HarborCredentialsProvider resolves against the stand-in as a
// user configures it (Harbor's URL only: its /v2/* is the registry), the host's skopeo pushes through the
// stand-in's registry front, and the manifest is read back from the token registry behind it.

let env: TestEnvironment;
let work: string;
let archive: string;
let oidc: HarborApiStandIn;
const CLI_USER = { username: "oidc-user", password: "cli:Secret-of-oidc$user" };

beforeAll(async () => {
  env = await loadTestEnvironment();
  work = await mkdtemp(join(tmpdir(), "skopush-harbor-accounts-it-"));
  await chmod(work, 0o700);
  archive = join(work, "image.tar");
  await writeImageArchive(archive, { format: "docker-legacy", layers: 2, layerSize: 16 * 1024, seed: `harbor-accounts-${Date.now()}` });
  // An OIDC Harbor of this test's own in front of the same token registry: the environment's is db_auth.
  oidc = await startHarborStandInBeside(env, {
    settings: { authMode: "oidc_auth" },
    seed: { users: [{ ...CLI_USER, oidc: true }], projects: [{ name: env.harbor.project, members: { [CLI_USER.username]: "developer" } }] },
  });
});

afterAll(async () => {
  await oidc?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const unique = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/** Resolves with the provider, pushes with the answer through Harbor's /v2/*, and reads the push back. */
const pushAs = async (url: string, account: { username: string; password: string }, repository: string, options: Partial<HarborCredentialsProviderOptions> = {}) => {
  const provider = new HarborCredentialsProvider({ url, tls: { caFile: env.harbor.caFile }, credentials: account, ...options });
  const host = new URL(url).host;
  const tag = unique("v");
  const pushed = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const credentials = yield* provider.resolve({ registry: host, repository });
        const plain = { username: credentials!.username, password: Redacted.value(credentials!.password) };
        const registry = { host, scheme: "https" as const, certDir: env.registry("token").certDir };
        return yield* Effect.promise(() => hostSkopeoPush({ archive, registry, repository, tag, credentials: plain }));
      }),
    ),
  );
  const stored = await readManifest({ ...env.registry("token"), credentials: env.harbor.accounts.admin }, repository, tag);
  return { pushed: pushed.digest, stored: stored.digest };
};

describe("each kind of Harbor account pushes through the stand-in's registry front", () => {
  it("a database user (a developer of the project)", async () => {
    const { pushed, stored } = await pushAs(env.harbor.url, env.harbor.accounts.developer, `${env.harbor.project}/${unique("db-user")}`);
    expect(stored).toBe(pushed);
  });

  it("a robot", async () => {
    const { pushed, stored } = await pushAs(env.harbor.url, env.harbor.accounts.robot, `${env.harbor.project}/${unique("robot")}`);
    expect(stored).toBe(pushed);
  });

  it("a system admin, into a project it creates (ensureProject)", async () => {
    const project = unique("admin").replace(/[^a-z0-9-]/g, "");
    const { pushed, stored } = await pushAs(env.harbor.url, env.harbor.accounts.admin, `${project}/app`, { ensureProject: true });
    expect(stored).toBe(pushed);
  });

  it("an OIDC user with a CLI secret (the project check reads the project list; Harbor answers its HEAD 401)", async () => {
    const before = oidc.calls.length;
    const { pushed, stored } = await pushAs(oidc.url, CLI_USER, `${env.harbor.project}/${unique("cli-secret")}`);
    expect(stored).toBe(pushed);
    expect(oidc.calls.slice(before).map((c) => `${c.method} ${c.path.split("?")[0]} ${c.status}`)).toEqual(["GET /api/v2.0/projects 200"]);
    expect(oidc.registryCalls.some((c) => c.method === "PUT" && c.principal === CLI_USER.username && c.status === 201)).toBe(true);
  });
});
