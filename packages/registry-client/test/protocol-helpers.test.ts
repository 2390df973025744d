import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "../src/auth/www-authenticate.js";
import { pushScopes } from "../src/auth/scope.js";
import { refreshMargin, TokenCache } from "../src/auth/token-cache.js";
import { candidateSchemes, hostnameOf, isLoopbackHost } from "../src/endpoint.js";
import { parseRegistryErrorBody, retryAfterMs } from "../src/classify/error-body.js";

describe("WWW-Authenticate", () => {
  it("reads Harbor's Bearer challenge, commas inside quotes kept, scheme case-insensitive", () => {
    expect(parseWwwAuthenticate('BEARER realm="https://h/service/token",service="harbor-registry",scope="repository:p/r:pull,push"')).toEqual([
      { scheme: "bearer", params: { realm: "https://h/service/token", service: "harbor-registry", scope: "repository:p/r:pull,push" } },
    ]);
  });

  it("reads escapes, unquoted values, errors and several challenges or headers", () => {
    expect(parseWwwAuthenticate(['Basic realm="a\\"b"', 'Bearer realm=x , service = y,error="insufficient_scope"'])).toEqual([
      { scheme: "basic", params: { realm: 'a"b' } },
      { scheme: "bearer", params: { realm: "x", service: "y", error: "insufficient_scope" } },
    ]);
    expect(parseWwwAuthenticate('Basic realm="harbor", Bearer realm="r"').map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate("")).toEqual([]);
  });
});

describe("scopes and the token cache", () => {
  it("asks pull,push on the destination and pull on mount sources", () => {
    expect(pushScopes("p/app", ["p/base", "p/app"])).toEqual(["repository:p/app:pull,push", "repository:p/base:pull"]);
  });

  it("keys tokens by realm, service, scope set and account, and refreshes before expiry", () => {
    const cache = new TokenCache();
    const key = { realm: "https://r/token", service: "s", scopes: ["b", "a"], username: "u", secret: "pw" };
    cache.set(key, "t1", 60_000, 0);
    expect(cache.get({ ...key, scopes: ["a", "b"] }, 1_000)).toBe("t1");
    expect(cache.get({ ...key, secret: "other" }, 1_000)).toBeUndefined();
    expect(cache.get({ ...key, username: "v" }, 1_000)).toBeUndefined();
    expect(cache.get({ ...key, service: "t" }, 1_000)).toBeUndefined();
    expect(cache.get(key, 60_000 - refreshMargin(60_000) - 1)).toBe("t1");
    expect(cache.get(key, 60_000 - refreshMargin(60_000))).toBeUndefined();
    cache.set(key, "t2", 1_800_000, 0);
    cache.delete(key);
    expect(cache.get(key, 1)).toBeUndefined();
  });

  it("refreshes a tenth of the lifetime early, between 5 and 30 seconds", () => {
    expect(refreshMargin(60_000)).toBe(6_000);
    expect(refreshMargin(1_800_000)).toBe(30_000);
    expect(refreshMargin(10_000)).toBe(5_000);
  });
});

describe("the scheme rule", () => {
  it("knows loopback hosts", () => {
    for (const host of ["localhost:5000", "LOCALHOST", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000"]) expect(isLoopbackHost(host)).toBe(true);
    // registry.localhost is looked up in DNS here (glibc), so it is not trusted as loopback.
    for (const host of ["harbor.example.com", "10.0.0.5:8080", "[2001:db8::1]:443", "128.0.0.1", "registry.localhost", "localhost.example.com"]) expect(isLoopbackHost(host)).toBe(false);
    expect(hostnameOf("[::1]:5000")).toBe("::1");
    expect(hostnameOf("h:80")).toBe("h");
  });

  it("tries plain http after https only when TLS verification is off or the registry is loopback", () => {
    expect(candidateSchemes("harbor.example.com", true)).toEqual(["https"]);
    expect(candidateSchemes("harbor.example.com", false)).toEqual(["https", "http"]);
    expect(candidateSchemes("127.0.0.1:5000", true)).toEqual(["https", "http"]);
  });
});

describe("registry error bodies", () => {
  it("reads the spec's errors, undoubles Harbor's messages, and names a missing blob", () => {
    const body = parseRegistryErrorBody(
      Buffer.from(JSON.stringify({ errors: [{ code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown: blob unknown", detail: { digest: "sha256:1" } }] })),
    );
    expect(body.errors[0]?.code).toBe("MANIFEST_BLOB_UNKNOWN");
    expect(body.summary).toBe("blob unknown: blob sha256:1");
  });

  it("reads HTML and text, cut to a line", () => {
    expect(parseRegistryErrorBody(Buffer.from("<html><style>x{}</style><h1>413 Request Entity Too Large</h1></html>")).summary).toBe("413 Request Entity Too Large");
    expect(parseRegistryErrorBody(Buffer.from("x".repeat(1000))).summary.length).toBeLessThanOrEqual(300);
    expect(parseRegistryErrorBody(Buffer.alloc(0))).toEqual({ errors: [], summary: "" });
  });

  it("reads Retry-After as seconds or an HTTP date, capped", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5000);
    expect(retryAfterMs("99999")).toBe(600_000);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
