import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAgents, readCertDir, type TrustSettings } from "../src/transport/agents.js";

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

  it("fails with CertificatesUnreadable, naming the file, when the CA file cannot be read or is not PEM", async () => {
    const agents = (trust: TrustSettings) => Effect.runPromiseExit(makeAgents({ host: "r:1", trust, systemCertDirs: false, keepAlive: false, maxSockets: 1 }));
    const missing = await agents({ verify: true, caFile: join(dir, "nope.pem") });
    expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toContain("CertificatesUnreadable");
    expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toContain("nope.pem");
    const garbage = await agents({ verify: true, certDir: dir });
    expect(Exit.isFailure(garbage)).toBe(true);
  });
});
