import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { createDefaultContainer, pushImage } from "skopush";

// Messages in the library caller's language: option fields (tls.caFile, the docker run line), never the
// CLI's flags; the same failures through the command say --ca-cert (packages/cli/test/messages.integration.test.ts).

const CLI_WORDS = /--ca-cert|--insecure|--ensure-project|--shared-dir|skopush service/;

let environment: TestEnvironment;
let work: string;
let archive: string;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = mkdtempSync(join(tmpdir(), "skopush-lib-messages-"));
  archive = (await writeImageArchive(join(work, "small.tar"), { format: "docker-legacy", layers: 1, layerSize: 64 * 1024, seed: `lib-messages-${Date.now()}` })).path;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("messages a library caller reads", () => {
  it("an untrusted certificate: the tls.caFile option and tls: { verify: false }", async () => {
    const tls = environment.registry("tls");
    const container = createDefaultContainer({ order: ["registry"], credentialsProviders: false });
    const result = await pushImage({ container, archive, destination: `${tls.host}/lib/tls:1` });
    expect(result.status === "error" && result.message).toContain("Fix: trust the registry's CA with the tls.caFile option (a PEM file), or opt out with tls: { verify: false }");
    expect(result.status === "error" && result.message).not.toMatch(CLI_WORDS);
  });

  it("a missing resident container: the docker run line that creates it, on the host network like dockerode's", async () => {
    const container = createDefaultContainer({
      order: ["docker-exec", "dockerode"],
      strategies: { "docker-exec": { containerName: "skopush-lib-none" }, dockerode: { containerName: "skopush-lib-none" } },
      credentialsProviders: false,
    });
    const result = await pushImage({ container, archive, destination: `${environment.registry("plain").host}/lib/c:1`, tls: { verify: false } });
    const message = result.status === "error" ? result.message : "";
    expect(message).toContain("docker-exec: unavailable: container skopush-lib-none does not exist. Fix: create it: docker run -d --name skopush-lib-none --restart unless-stopped --network host -v");
    expect(message).toContain("dockerode: unavailable: container skopush-lib-none does not exist. Fix: create it: docker run -d --name skopush-lib-none --restart unless-stopped --network host -v");
    expect(message).toContain("or set the dockerode strategy's autoCreate option");
    expect(message).not.toMatch(CLI_WORDS);
  });
});
