import { describe, expect, it } from "vitest";
import { classifyBodySource, classifyRegistryTransport as classifyTransport, classifyResponse, type RegistryCallContext } from "../src/classify/classify-response.js";
import { BodySourceError, TransportError } from "../src/transport/send-request.js";
import { ArchiveInvalid } from "@skopush/core";

const SECRET = "s3cr:t$pass";
const context = (operation: RegistryCallContext["operation"], extra: Partial<RegistryCallContext> = {}): RegistryCallContext => ({
  registry: "harbor.example.com",
  repository: "proj/app",
  operation,
  username: "robot$proj+ci",
  secrets: [SECRET],
  archivePath: "/tmp/app.tar",
  ...extra,
});

const response = (status: number, body: unknown = "", headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
});

const errors = (code: string, message: string, detail: unknown = null) => ({ errors: [{ code, message, detail }] });

const transport = (code: string | undefined, options: { timedOut?: boolean; phase?: "connect" | "exchange"; detail?: string; timeoutStage?: "connect" | "response" | "stall"; timeoutMs?: number } = {}) =>
  new TransportError({
    url: "https://harbor.example.com/v2/",
    method: "GET",
    code,
    phase: options.phase ?? "connect",
    timedOut: options.timedOut ?? false,
    timeoutStage: options.timeoutStage,
    timeoutMs: options.timeoutMs,
    detail: options.detail ?? `${code} happened`,
    cause: Object.assign(new Error(options.detail ?? "x"), { code }),
  });

describe("classifyResponse", () => {
  it("401 → AuthenticationFailed with the username, never the secret", () => {
    const error = classifyResponse(context("blob-upload"), response(401, errors("UNAUTHORIZED", `authentication required for ${SECRET}`)));
    expect(error._tag).toBe("AuthenticationFailed");
    expect(error).toMatchObject({ username: "robot$proj+ci", registry: "harbor.example.com" });
    expect(error.message).toContain("robot$proj+ci");
    expect(error.message).not.toContain(SECRET);
  });

  it("Harbor's 401 'project X not found' → ProjectNotFound naming the project", () => {
    const body = errors("UNAUTHORIZED", "project proj not found: project proj not found");
    const error = classifyResponse(context("blob-check"), response(401, body));
    expect(error).toMatchObject({ _tag: "ProjectNotFound", project: "proj" });
  });

  it("403 DENIED → AccessDenied; Harbor's quota message → QuotaExceeded", () => {
    expect(classifyResponse(context("blob-upload"), response(403, errors("DENIED", "requested access to the resource is denied")))).toMatchObject({
      _tag: "AccessDenied",
      repository: "proj/app",
    });
    const quota = classifyResponse(
      context("blob-upload"),
      response(403, errors("DENIED", "adding 120.5 MiB of storage resource, which when updated to current usage of 900 MiB will exceed the configured upper limit of 1.0 GiB.")),
    );
    expect(quota._tag).toBe("QuotaExceeded");
    expect(quota.message).toContain("will exceed the configured upper limit");
  });

  it("404 NAME_UNKNOWN on a push → ProjectNotFound telling to create the repository; on a read it is not an error class of its own", () => {
    const pushing = classifyResponse(context("blob-upload"), response(404, errors("NAME_UNKNOWN", "repository name not known to registry")));
    expect(pushing._tag).toBe("ProjectNotFound");
    expect(pushing.message).toContain("create the repository proj/app");
    expect(classifyResponse(context("manifest-read"), response(404, errors("NAME_UNKNOWN", "unknown"))) ._tag).toBe("RegistryError");
  });

  it("MANIFEST_* and 400s on the manifest PUT → ManifestRejected naming the blob", () => {
    const error = classifyResponse(
      context("manifest-push", { reference: "v1" }),
      response(400, errors("MANIFEST_BLOB_UNKNOWN", "blob unknown to registry", { digest: "sha256:abc" })),
    );
    expect(error._tag).toBe("ManifestRejected");
    expect(error.message).toContain("proj/app:v1");
    expect(error.message).toContain("blob sha256:abc");
    expect(classifyResponse(context("manifest-push", { reference: "v1" }), response(400, errors("MANIFEST_INVALID", "manifest invalid")))._tag).toBe("ManifestRejected");
    const large = classifyResponse(context("manifest-push", { reference: "v1" }), response(413, "<html><body>413 Request Entity Too Large</body></html>"));
    expect(large._tag).toBe("ManifestRejected");
    expect(large.message).toContain("larger than the registry");
  });

  it("NAME_INVALID and Harbor's 'invalid repository name' → InvalidReference", () => {
    expect(classifyResponse(context("blob-upload"), response(400, errors("NAME_INVALID", "invalid repository name")))._tag).toBe("InvalidReference");
    expect(classifyResponse(context("blob-upload"), response(400, errors("BAD_REQUEST", "invalid repository name: foo")))._tag).toBe("InvalidReference");
  });

  it("5xx → RegistryError, retryable for 502/503/504 and 429 with Retry-After; 500 is not", () => {
    const unavailable = classifyResponse(context("blob-upload"), response(503, errors("UNAVAILABLE", "service unavailable"), { "retry-after": "7" }));
    expect(unavailable).toMatchObject({ _tag: "RegistryError", status: 503, code: "UNAVAILABLE", retryAfterMs: 7000 });
    expect(unavailable.isRetryable).toBe(true);
    const limited = classifyResponse(context("blob-check"), response(429, errors("TOO_MANY_REQUEST", "slow down")));
    expect(limited.isRetryable).toBe(true);
    const internal = classifyResponse(context("blob-upload"), response(500, errors("UNKNOWN", "boom")));
    expect(internal.isRetryable).toBe(false);
  });

  it("never assumes JSON: an HTML proxy page and an empty HEAD body are read as text", () => {
    const html = classifyResponse(context("blob-upload"), response(502, "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"));
    expect(html).toMatchObject({ _tag: "RegistryError", status: 502 });
    expect(html.message).toContain("502 Bad Gateway");
    expect(html.message).not.toContain("<h1>");
    const empty = classifyResponse(context("blob-check"), response(401));
    expect(empty._tag).toBe("AuthenticationFailed");
    expect(classifyResponse(context("blob-check"), response(418, "{not json"))._tag).toBe("RegistryError");
  });

  it("a 404 from GET /v2/ says it is not a registry API", () => {
    expect(classifyResponse(context("ping"), response(404, "not found")).message).toContain("not an OCI");
  });
});

describe("classifyTransport", () => {
  it("certificate errors → TlsVerificationFailed with the fix naming the tls.caFile option (library callers are told about options, not flags)", () => {
    for (const code of ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID", "SELF_SIGNED_CERT_IN_CHAIN"]) {
      const error = classifyTransport(context("ping"), transport(code));
      expect(error._tag).toBe("TlsVerificationFailed");
      expect(error.message).toContain("the tls.caFile option");
    }
  });

  it("refused, unknown host, unroutable, connect timeout → RegistryUnreachable (retryable)", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]) {
      const error = classifyTransport(context("ping"), transport(code));
      expect(error._tag).toBe("RegistryUnreachable");
      expect(error.isRetryable).toBe(true);
    }
    expect(classifyTransport(context("ping"), transport("ECONNREFUSED")).message).toMatch(/ECONNREFUSED, connection refused\. Fix: check the address and port/);
  });

  it("a timeout at any stage → Timeout naming the stage and the address (retryable)", () => {
    const connect = classifyTransport(
      context("ping"),
      transport(undefined, { timedOut: true, timeoutStage: "connect", timeoutMs: 30000, detail: "connected to 127.0.0.1:5000, but the TLS handshake got no answer within 30000 ms" }),
    );
    expect(connect).toMatchObject({ _tag: "Timeout", stage: "connect", afterMs: 30000 });
    expect(connect.message).toContain("TLS handshake got no answer");
    expect(connect.message).toContain("(connect timeout)");
    expect(connect.isRetryable).toBe(true);
    const response = classifyTransport(context("ping"), transport(undefined, { phase: "exchange", timedOut: true, timeoutStage: "response", timeoutMs: 60000, detail: "x" }));
    expect(response).toMatchObject({ _tag: "Timeout", stage: "response", afterMs: 60000 });
  });

  it("a reset or broken pipe mid-upload → RegistryUnreachable (retryable); an idle timeout → Timeout (retryable)", () => {
    for (const code of ["ECONNRESET", "EPIPE"]) {
      const error = classifyTransport(context("blob-upload"), transport(code, { phase: "exchange" }));
      expect(error._tag).toBe("RegistryUnreachable");
      expect(error.isRetryable).toBe(true);
    }
    const idle = classifyTransport(context("blob-upload"), transport(undefined, { phase: "exchange", timedOut: true, detail: "no data sent or received for 300000 ms" }));
    expect(idle).toMatchObject({ _tag: "Timeout", afterMs: 300000, stage: "stall" });
    expect(idle.isRetryable).toBe(true);
  });

  it("keeps secrets out of messages even when a native error carries them", () => {
    const error = classifyTransport(context("token"), transport("ECONNRESET", { phase: "exchange", detail: `reset while sending ${SECRET}` }));
    expect(error.message).not.toContain(SECRET);
  });

  it("an unknown failure keeps its cause as StrategyFailed", () => {
    const error = classifyTransport(context("ping"), transport(undefined, { detail: "something odd" }));
    expect(error._tag).toBe("StrategyFailed");
  });
});

describe("classifyBodySource", () => {
  it("passes a typed error of the layer stream through, and maps a read error to ArchiveInvalid", () => {
    const lie = new ArchiveInvalid({ path: "/tmp/app.tar", reason: "layer 1 content does not match its diff_id" });
    expect(classifyBodySource(context("blob-upload"), new BodySourceError({ url: "x", cause: lie }))).toBe(lie);
    const io = classifyBodySource(context("blob-upload"), new BodySourceError({ url: "x", cause: Object.assign(new Error("I/O error"), { code: "EIO" }) }));
    expect(io).toMatchObject({ _tag: "ArchiveInvalid", path: "/tmp/app.tar" });
    expect(io.message).toContain("EIO");
  });
});
