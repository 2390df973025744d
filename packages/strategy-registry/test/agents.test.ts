import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAgents, readCertDir } from "../src/http/agents.js";
import { resolveRegistryPushOptions } from "../src/registry-push-options.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "skopush-registry-certs-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("certs.d directories", () => {
  it("reads *.crt as CA roots and a <name>.cert/<name>.key pair as the client certificate", async () => {
    await writeFile(join(dir, "ca.crt"), "CA-1");
    await writeFile(join(dir, "other.crt"), "CA-2");
    await writeFile(join(dir, "client.cert"), "CERT");
    await writeFile(join(dir, "client.key"), "KEY");
    await writeFile(join(dir, "lonely.cert"), "NO KEY");
    const contents = await readCertDir(dir);
    expect(contents.ca).toEqual(["CA-1", "CA-2"]);
    expect(contents.client).toEqual({ cert: "CERT", key: "KEY" });
  });

  it("treats a missing directory as empty", async () => {
    expect(await readCertDir(join(dir, "absent"))).toEqual({ ca: [] });
  });

  it("fails with TlsVerificationFailed when the CA file cannot be read or is not PEM", async () => {
    const options = resolveRegistryPushOptions({ systemCertDirs: false });
    const missing = await Effect.runPromiseExit(makeAgents("r:1", { verify: true, caFile: join(dir, "nope.pem") }, options));
    expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toContain("TlsVerificationFailed");
    const garbage = await Effect.runPromiseExit(makeAgents("r:1", { verify: true, certDir: dir }, options));
    expect(Exit.isFailure(garbage)).toBe(true);
  });
});
