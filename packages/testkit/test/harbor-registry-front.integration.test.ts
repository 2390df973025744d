import { createHash, randomBytes } from "node:crypto";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobExists, hostSkopeoPush, loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { storedTags } from "@skopush/testkit/hardening";
import { privateTempDir, uniqueTag, writeSmokeArchive } from "./environment-support.js";

// The stand-in's /v2/* with the environment's token registry behind it: pushes land in that registry,
// and Harbor's own refusals (harbor-registry-front.test.ts has those that need no registry) come back.

let env: TestEnvironment;
let workDir: string;
let archive: string;

beforeAll(async () => {
  env = await loadTestEnvironment();
  workDir = await privateTempDir("skopush-harbor-front-");
  archive = join(workDir, "image.tar");
  await writeSmokeArchive(archive, "harbor-front");
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** One HTTPS request to the stand-in, trusting the test CA. */
const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(
      new URL(path, env.harbor.url),
      { method, headers, agent: false, ca: [...rootCertificates, readFileSync(env.harbor.caFile, "utf8")] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });

const bearer = async (account: { username: string; password: string }, scope: string) => {
  const basic = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString("base64")}`;
  const res = await send("GET", `/service/token?service=harbor-registry&scope=${encodeURIComponent(scope)}`, { authorization: basic });
  return `Bearer ${(JSON.parse(res.body) as { token: string }).token}`;
};

describe("the Harbor stand-in's registry front, with the token registry behind it", () => {
  it("takes a push from the host's skopeo and stores it in the token registry", async () => {
    const harbor = env.harborRegistry();
    const tag = uniqueTag("front");
    const push = await hostSkopeoPush({ archive, registry: harbor, repository: "skopush/front", tag, credentials: env.harbor.accounts.robot });
    expect((await readManifest(env.registry("token"), "skopush/front", tag)).digest).toBe(push.digest);
    expect((await readManifest(harbor, "skopush/front", tag)).digest).toBe(push.digest);
    const { registryCalls } = await env.harborRecords();
    expect(registryCalls.some((c) => c.method === "PUT" && c.path === `/v2/skopush/front/manifests/${tag}` && c.status === 201 && c.principal === env.harbor.accounts.robot.username)).toBe(true);
  });

  it("refuses a push to a missing project with Harbor's 401 and an empty challenge, and stores nothing", async () => {
    const harbor = env.harborRegistry();
    const repository = `${env.harbor.missingProject}/front`;
    await expect(hostSkopeoPush({ archive, registry: harbor, repository, tag: uniqueTag("missing"), credentials: env.harbor.accounts.admin })).rejects.toThrow(
      /authentication required|project .* not found/,
    );
    const { registryCalls } = await env.harborRecords();
    expect(registryCalls.filter((c) => c.path.startsWith(`/v2/${repository}/`)).at(-1)).toMatchObject({ status: 401, challenge: "" });
    expect(storedTags(env.registry("token"), repository)).toEqual([]);
  });

  // src/server/middleware/quota/put_blob_upload.go and src/pkg/quota/errors.go.
  it("refuses a blob that would pass the project's quota with 403 DENIED and Harbor's message, and stores nothing", async () => {
    const { accounts, quotaProject } = env.harbor;
    const repository = `${quotaProject}/front-${randomBytes(3).toString("hex")}`;
    const authorization = await bearer(accounts.developer, `repository:${repository}:pull,push`);
    const started = await send("POST", `/v2/${repository}/blobs/uploads/`, { authorization });
    expect(started.status).toBe(202);
    const blob = randomBytes(5000);
    const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
    const location = new URL(String(started.headers["location"]), env.harbor.url);
    location.searchParams.set("digest", digest);
    const put = await send("PUT", `${location.pathname}${location.search}`, { authorization, "content-type": "application/octet-stream", "content-length": String(blob.length) }, blob);
    expect(put.status).toBe(403);
    const { errors } = JSON.parse(put.body) as { errors: Array<{ code: string; message: string }> };
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe("DENIED");
    expect(errors[0]?.message).toMatch(/^adding 4\.9 KiB of storage resource, which when updated to current usage of \d+(\.\d)? (B|KiB) will exceed the configured upper limit of 4\.0 KiB\.$/);
    expect(await blobExists({ ...env.registry("token"), credentials: accounts.admin }, repository, digest)).toBe(false);
  });

  it("refuses a push through skopeo that passes the quota", async () => {
    const { accounts, quotaProject } = env.harbor;
    await expect(
      hostSkopeoPush({ archive, registry: env.harborRegistry(), repository: `${quotaProject}/front`, tag: uniqueTag("quota"), credentials: accounts.developer }),
    ).rejects.toThrow(/denied: adding .* of storage resource, which when updated to current usage of .* will exceed the configured upper limit of 4\.0 KiB\./);
  });
});
