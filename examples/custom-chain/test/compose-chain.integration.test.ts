import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePusher } from "@skopush/core";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { composeChain, type AuditEntry } from "../src/index.js";

let environment: TestEnvironment;
let work: string;
let archive: string;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = mkdtempSync(join(tmpdir(), "skopush-example-chain-"));
  archive = (await writeImageArchive(join(work, "app.tar"), { format: "docker-legacy", layers: 2, layerSize: 64 * 1024, seed: `example-chain-${randomBytes(4).toString("hex")}` })).path;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the custom chain against the real registry", () => {
  it("pushes with the audited native strategy and records the digest the registry serves", async () => {
    const tls = environment.registry("tls");
    const entries: AuditEntry[] = [];
    const repository = `example/chain-${randomBytes(4).toString("hex")}`;
    const result = await resolvePusher(composeChain({ audit: { record: (e) => void entries.push(e) } })).push({
      archive,
      destination: `${tls.host}/${repository}:v1`,
      tls: { verify: true, caFile: tls.caFile },
    });
    expect(result.status, result.status === "error" ? result.message : "").toBe("success");
    const { digest } = await readManifest({ url: tls.url, caFile: tls.caFile }, repository, "v1");
    expect(entries).toEqual([expect.objectContaining({ image: `${tls.host}/${repository}:v1`, digest, strategy: "native" })]);
  });

  it("falls to the registry client when skopeo is missing; nothing is audited", async () => {
    const tls = environment.registry("tls");
    const entries: AuditEntry[] = [];
    const repository = `example/chain-${randomBytes(4).toString("hex")}`;
    const result = await resolvePusher(
      composeChain({ audit: { record: (e) => void entries.push(e) }, native: { skopeoPath: join(work, "no-skopeo") }, registry: { blobInfoCacheDir: false } }),
    ).push({ archive, destination: `${tls.host}/${repository}:v1`, tls: { verify: true, caFile: tls.caFile } });
    expect(result).toMatchObject({ status: "success", method: "registry" });
    expect(result.status === "success" && result.digest).toBe((await readManifest({ url: tls.url, caFile: tls.caFile }, repository, "v1")).digest);
    expect(entries).toEqual([]);
  });
});
