import { describe, expect, it } from "vitest";
import { BASIC_REALM, buildRegistryConfig, registryFiles, renderRegistryConfig } from "../src/environment/registry-config.js";
import { REGISTRY_KINDS, REGISTRY_KIND_SPECS, isRegistryKind } from "../src/environment/registry-kinds.js";

const options = {
  port: 5443,
  registryDir: "/state/registries/x",
  secret: "s3cret",
  serverCert: "/state/certs/registry.crt",
  serverKey: "/state/certs/registry.key",
};

describe("buildRegistryConfig", () => {
  it("listens on loopback only, with storage under the registry's directory", () => {
    for (const kind of REGISTRY_KINDS) {
      const config = buildRegistryConfig(kind, options);
      expect(config.addr).toBe("127.0.0.1:5443");
      expect(config.storageDir).toBe("/state/registries/x/data");
    }
  });

  it("gives plain neither TLS nor auth", () => {
    const config = buildRegistryConfig("plain", options);
    expect(config.tls).toBeUndefined();
    expect(config.auth).toBeUndefined();
  });

  it("gives tls the server certificate and no auth", () => {
    const config = buildRegistryConfig("tls", options);
    expect(config.tls).toEqual({ certificate: options.serverCert, key: options.serverKey });
    expect(config.auth).toBeUndefined();
  });

  it("gives basic TLS and an htpasswd file next to its config", () => {
    const config = buildRegistryConfig("basic", options);
    expect(config.tls).toBeDefined();
    expect(config.auth).toEqual({ htpasswd: { realm: BASIC_REALM, path: registryFiles(options.registryDir).htpasswdFile } });
  });
});

describe("renderRegistryConfig", () => {
  it("renders the distribution 2.8 keys", () => {
    const yaml = renderRegistryConfig(buildRegistryConfig("basic", options));
    expect(yaml).toBe(`version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: "/state/registries/x/data"
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: "127.0.0.1:5443"
  secret: "s3cret"
  relativeurls: false
  tls:
    certificate: "/state/certs/registry.crt"
    key: "/state/certs/registry.key"
auth:
  htpasswd:
    realm: "skopush-basic"
    path: "/state/registries/x/htpasswd"
health:
  storagedriver:
    enabled: false
`);
  });

  it("leaves out the tls and auth sections of a plain registry", () => {
    const yaml = renderRegistryConfig(buildRegistryConfig("plain", options));
    expect(yaml).not.toMatch(/^\s*tls:/m);
    expect(yaml).not.toMatch(/^auth:/m);
  });

  it("quotes paths so that YAML-special characters survive", () => {
    const yaml = renderRegistryConfig(
      buildRegistryConfig("plain", { ...options, registryDir: '/tmp/a: b #c "d"\\e' }),
    );
    expect(yaml).toContain('rootdirectory: "/tmp/a: b #c \\"d\\"\\\\e/data"');
  });
});

describe("registry kinds", () => {
  it("has a spec for every kind, HTTPS for all but plain", () => {
    expect(REGISTRY_KINDS.map((kind) => REGISTRY_KIND_SPECS[kind].scheme)).toEqual(["http", "https", "https", "https"]);
    expect(isRegistryKind("basic")).toBe(true);
    expect(isRegistryKind("toString")).toBe(false);
  });
});

describe("the token registry's config", () => {
  const tokenAuth = {
    realm: "https://127.0.0.1:6001/service/token",
    service: "harbor-registry",
    issuer: "harbor-token-issuer",
    rootCertBundle: "/state/certs/token-signer.crt",
  };

  it("has auth.token exactly as Harbor configures its registry: realm, service, issuer, rootcertbundle", () => {
    const yaml = renderRegistryConfig(buildRegistryConfig("token", { ...options, tokenAuth }));
    expect(yaml).toContain(
      [
        "auth:",
        "  token:",
        '    realm: "https://127.0.0.1:6001/service/token"',
        '    service: "harbor-registry"',
        '    issuer: "harbor-token-issuer"',
        '    rootcertbundle: "/state/certs/token-signer.crt"',
      ].join("\n"),
    );
    expect(yaml).toContain("  tls:");
    expect(yaml).not.toContain("htpasswd");
  });

  it("has no auth section without the token service's settings (the start then fails)", () => {
    expect(buildRegistryConfig("token", options).auth).toBeUndefined();
  });
});
