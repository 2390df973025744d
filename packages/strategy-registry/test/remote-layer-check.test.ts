import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import * as Effect from "effect/Effect";
import { afterEach, describe, expect, it } from "vitest";
import { pushScopes, RegistryClient, resolveTransportOptions, TokenCache } from "@skopush/registry-client";
import { FormCheck, isFormOfLayer, type ClaimedForm } from "../src/layers/remote-layer-check.js";

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** Streams `blob` in small chunks through a check of whether it is a gzip of `layer`. */
const check = async (blob: Buffer, layer: Buffer, claimed = { digest: sha256(blob), size: blob.length }, uncompressedSize: number | undefined = layer.length) => {
  const sink = new FormCheck(claimed, { diffId: sha256(layer), uncompressedSize });
  const chunks = Array.from({ length: Math.ceil(blob.length / 4096) }, (_, i) => blob.subarray(i * 4096, (i + 1) * 4096));
  await pipeline(Readable.from(chunks), sink);
  return sink.matches;
};

describe("FormCheck: is this blob a gzip of our layer?", () => {
  const layer = Buffer.concat([Buffer.from("tar bytes "), randomBytes(200 << 10)]);

  it("yes for a gzip of the layer, at any level, whether the layer's size is known or not", async () => {
    expect(await check(gzipSync(layer, { level: 1 }), layer)).toBe(true);
    expect(await check(gzipSync(layer, { level: 9 }), layer, undefined, undefined)).toBe(true);
  });

  it("no for another layer's gzip, a blob that is not its claimed digest or size, or not gzip at all", async () => {
    const other = gzipSync(randomBytes(200 << 10));
    expect(await check(other, layer)).toBe(false);
    const gz = gzipSync(layer);
    expect(await check(gz, layer, { digest: sha256(Buffer.from("x")), size: gz.length })).toBe(false);
    expect(await check(gz, layer, { digest: sha256(gz), size: gz.length - 1 })).toBe(false);
    expect(await check(layer, layer)).toBe(false);
  });

  it("no, without decompressing it all, for a gzip that expands past the layer's size (a bomb)", async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20));
    expect(await check(bomb, layer)).toBe(false);
  });

  it("no for a gzip of the layer followed by bytes Node's gunzip skips (zero padding): Go's gzip, which pulls use, fails on them", async () => {
    const gz = gzipSync(layer);
    expect(await check(Buffer.concat([gz, Buffer.alloc(4)]), layer)).toBe(false);
    expect(await check(Buffer.concat([gz, Buffer.alloc(1)]), layer)).toBe(false);
  });
});

// A loopback registry holding `blobs` (digest → bytes); anything else is 404. Records the blob GETs.
const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
const registryHolding = async (blobs: ReadonlyMap<string, Buffer>) => {
  const gets: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === "/v2/") return void res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end("{}");
    const digest = /^\/v2\/proj\/app\/blobs\/(.+)$/.exec(req.url ?? "")?.[1];
    if (digest !== undefined) gets.push(digest);
    const blob = digest === undefined ? undefined : blobs.get(digest);
    if (blob === undefined) res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown" }] }));
    else res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.length }).end(blob);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, gets };
};
const askIsForm = (host: string, form: ClaimedForm, layer: Buffer) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const client = yield* RegistryClient.connect(
          { host, repository: "proj/app", credentials: undefined, tls: { verify: true }, transport: resolveTransportOptions(), scopes: pushScopes("proj/app"), archivePath: "/tmp/app.tar" },
          new TokenCache(),
        );
        return yield* isFormOfLayer(client, "proj/app", form, { diffId: sha256(layer), uncompressedSize: layer.length });
      }),
    ),
  );

describe("isFormOfLayer: a claimed form downloaded from the registry", () => {
  const layer = Buffer.concat([Buffer.from("tar bytes "), randomBytes(64 << 10)]);
  const gz = gzipSync(layer);
  const form = { digest: sha256(gz), size: gz.length };

  it("yes for a blob the registry serves that is a gzip of the layer", async () => {
    const registry = await registryHolding(new Map([[form.digest, gz]]));
    expect(await askIsForm(registry.host, form, layer)).toBe(true);
    expect(registry.gets).toEqual([form.digest]);
  });

  it("no for a claimed form the registry does not have (404)", async () => {
    const registry = await registryHolding(new Map());
    expect(await askIsForm(registry.host, form, layer)).toBe(false);
    expect(registry.gets).toEqual([form.digest]);
  });

  it("no for another layer's gzip served under its own digest", async () => {
    const other = gzipSync(randomBytes(64 << 10));
    const registry = await registryHolding(new Map([[sha256(other), other]]));
    expect(await askIsForm(registry.host, { digest: sha256(other), size: other.length }, layer)).toBe(false);
  });

  it("no, without downloading, for a digest that is not sha256 or a size too large to be a gzip of the layer", async () => {
    const registry = await registryHolding(new Map([[form.digest, gz]]));
    expect(await askIsForm(registry.host, { digest: "sha512:" + "0".repeat(128), size: gz.length }, layer)).toBe(false);
    expect(await askIsForm(registry.host, { digest: form.digest, size: layer.length * 2 + (1 << 20) }, layer)).toBe(false);
    expect(registry.gets).toEqual([]);
  });
});
