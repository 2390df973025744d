import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Cause, Effect, Exit } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { isPushError, type PushError } from "@skopush/core";
import { pushScopes } from "../src/auth/scope.js";
import { TokenCache } from "../src/auth/token-cache.js";
import { verifyPushed } from "../src/read-back.js";
import { RegistryClient } from "../src/registry-client.js";
import { resolveTransportOptions } from "../src/transport/transport.js";

// A loopback registry that serves a manifest and, for its config blob, whatever `configBytes` holds: the
// read-back must hash what it is served, not trust that a 200 to the config's digest is that config.
const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const sha256 = (bytes: string | Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const CONFIG = JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } });
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(CONFIG), size: CONFIG.length },
  layers: [],
});

const listen = async (server: http.Server): Promise<string> => {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** Another host that serves the manifest: what a redirected read-back would find there. */
const manifestElsewhere = () =>
  listen(http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end(MANIFEST)));

const registryServing = async (configBytes: string, manifestRedirect?: string): Promise<{ host: string; configReads: () => number }> => {
  let configReads = 0;
  const server = http.createServer((req, res) => {
    if (req.url === "/v2/") res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end("{}");
    else if (req.url === "/v2/proj/app/manifests/v1" && manifestRedirect !== undefined) res.writeHead(307, { location: `http://${manifestRedirect}${req.url}` }).end();
    else if (req.url === "/v2/proj/app/manifests/v1") res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end(MANIFEST);
    else if (req.url === `/v2/proj/app/blobs/${sha256(CONFIG)}`) {
      configReads += 1;
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(configBytes);
    } else res.writeHead(404).end();
  });
  return { host: await listen(server), configReads: () => configReads };
};

const readBack = (host: string) =>
  Effect.runPromiseExit(
    Effect.scoped(
      Effect.gen(function* () {
        const client = yield* RegistryClient.connect(
          { host, repository: "proj/app", credentials: undefined, tls: { verify: true }, transport: resolveTransportOptions(), scopes: pushScopes("proj/app"), archivePath: "/tmp/app.tar" },
          new TokenCache(),
        );
        return yield* verifyPushed(client, host, "proj/app", "v1", { digest: sha256(MANIFEST), configDigest: sha256(CONFIG) });
      }),
    ),
  );

const failureOf = (exit: Exit.Exit<unknown, PushError>): PushError => {
  if (Exit.isSuccess(exit)) throw new Error("expected the read-back to fail, it succeeded");
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "None" || !isPushError(error.value)) throw new Error(Cause.pretty(exit.cause));
  return error.value;
};

describe("verifyPushed: the config blob's bytes", () => {
  it("passes when the config blob the manifest names is served as those bytes", async () => {
    const registry = await registryServing(CONFIG);
    const exit = await readBack(registry.host);
    expect(Exit.isSuccess(exit) && exit.value.digest).toBe(sha256(MANIFEST));
    expect(registry.configReads()).toBe(1);
  });

  it("fails with a RegistryError when the config's digest is answered 200 with other bytes (a server that kept only the manifest)", async () => {
    const other = JSON.stringify({ architecture: "arm64", os: "linux", rootfs: { type: "layers", diff_ids: [] } });
    const registry = await registryServing(other);
    const error = failureOf(await readBack(registry.host));
    expect(error._tag).toBe("RegistryError");
    expect(error.message).toContain(`the config ${sha256(CONFIG)} is served as bytes whose digest is ${sha256(other)}`);
    expect(registry.configReads()).toBe(1);
  });
});

describe("verifyPushed: a manifest read redirected to another host", () => {
  it("fails with a RegistryError naming the other host, though that host serves the pushed manifest", async () => {
    const elsewhere = await manifestElsewhere();
    const registry = await registryServing(CONFIG, elsewhere);
    const error = failureOf(await readBack(registry.host));
    expect(error._tag).toBe("RegistryError");
    expect(error.message).toContain(`redirected to another host, http://${elsewhere}`);
    expect(registry.configReads()).toBe(0);
  });
});
