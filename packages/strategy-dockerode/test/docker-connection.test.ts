import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerConnectionFromEnv, DockerHostInvalid, type DockerConnectionHost } from "../src/docker-connection.js";

const files: Record<string, string> = {
  "/certs/ca.pem": "CA",
  "/certs/cert.pem": "CERT",
  "/certs/key.pem": "KEY",
  "/home/u/.docker/ca.pem": "HOME-CA",
};
const host = (overrides: Partial<DockerConnectionHost> = {}): DockerConnectionHost => ({
  platform: "linux",
  homeDir: "/home/u",
  exists: (path) => path in files || path === "/var/run/docker.sock",
  readFile: (path) => Buffer.from(files[path] ?? ""),
  ...overrides,
});

describe("dockerConnectionFromEnv", () => {
  it("uses the system socket without DOCKER_HOST, and overrides every key docker-modem would read from process.env", () => {
    const c = dockerConnectionFromEnv({}, host());
    expect(c.endpoint).toBe("unix:///var/run/docker.sock");
    expect(c.local).toBe(true);
    expect(c.options).toMatchObject({ socketPath: "/var/run/docker.sock", host: undefined, port: undefined, protocol: undefined, ca: undefined });
    expect(Object.keys(c.options)).toEqual(expect.arrayContaining(["host", "port", "protocol", "ca", "cert", "key", "socketPath"]));
  });

  it("falls back to Docker Desktop's user socket when the system one is absent, and to the named pipe on Windows", () => {
    const desktop = host({ exists: (p) => p === "/home/u/.docker/run/docker.sock" });
    expect(dockerConnectionFromEnv({}, desktop).options.socketPath).toBe("/home/u/.docker/run/docker.sock");
    expect(dockerConnectionFromEnv({}, host({ platform: "win32" })).options.socketPath).toBe("//./pipe/docker_engine");
  });

  it("reads unix:// and npipe:// addresses", () => {
    expect(dockerConnectionFromEnv({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, host()).options.socketPath).toBe("/run/user/1000/docker.sock");
    expect(dockerConnectionFromEnv({ DOCKER_HOST: "npipe:////./pipe/docker_engine" }, host()).options.socketPath).toBe("//./pipe/docker_engine");
  });

  it("reads tcp:// as plain HTTP on 2375 by default, like the CLI", () => {
    const c = dockerConnectionFromEnv({ DOCKER_HOST: "tcp://10.0.0.5" }, host());
    expect(c).toMatchObject({ endpoint: "http://10.0.0.5:2375", local: false, options: { protocol: "http", host: "10.0.0.5", port: "2375", socketPath: undefined } });
    expect(dockerConnectionFromEnv({ DOCKER_HOST: "10.0.0.5:4243" }, host()).options).toMatchObject({ host: "10.0.0.5", port: "4243" });
  });

  it("verifies TLS with DOCKER_TLS_VERIFY (any non-empty value) against DOCKER_CERT_PATH, 2376 by default", () => {
    const c = dockerConnectionFromEnv({ DOCKER_HOST: "tcp://docker.example.com", DOCKER_TLS_VERIFY: "yes", DOCKER_CERT_PATH: "/certs" }, host());
    expect(c.endpoint).toBe("https://docker.example.com:2376");
    expect(c.options.protocol).toBe("https");
    expect(String(c.options.ca)).toBe("CA");
    expect(String(c.options.cert)).toBe("CERT");
    expect(String(c.options.key)).toBe("KEY");
    expect(c.options.agent).toBeUndefined();
  });

  it("reads the certificates from ~/.docker when DOCKER_CERT_PATH is unset", () => {
    const c = dockerConnectionFromEnv({ DOCKER_HOST: "tcp://d:2376", DOCKER_TLS_VERIFY: "1" }, host());
    expect(String(c.options.ca)).toBe("HOME-CA");
  });

  it("fails clearly when DOCKER_TLS_VERIFY is set but ca.pem is missing", () => {
    expect(() => dockerConnectionFromEnv({ DOCKER_HOST: "tcp://d", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/nowhere" }, host())).toThrow(
      /\/nowhere\/ca.pem does not exist/,
    );
  });

  it("encrypts without verifying with DOCKER_TLS alone", () => {
    const c = dockerConnectionFromEnv({ DOCKER_HOST: "tcp://d:2376", DOCKER_TLS: "1", DOCKER_CERT_PATH: "/certs" }, host());
    expect(c.options.protocol).toBe("https");
    expect(c.options.ca).toBeUndefined();
    expect(c.options.agent?.options.rejectUnauthorized).toBe(false);
  });

  it("reads ssh:// with the user and the agent socket", () => {
    const c = dockerConnectionFromEnv({ DOCKER_HOST: "ssh://ci@build.example.com", SSH_AUTH_SOCK: "/tmp/agent" }, host());
    expect(c.options).toMatchObject({ protocol: "ssh", host: "build.example.com", port: "22", username: "ci", sshOptions: { agent: "/tmp/agent" } });
  });

  it("rejects what it cannot use, naming the variable", () => {
    expect(() => dockerConnectionFromEnv({ DOCKER_HOST: "fd://" }, host())).toThrow(DockerHostInvalid);
    expect(() => dockerConnectionFromEnv({ DOCKER_HOST: "ftp://x" }, host())).toThrow(/DOCKER_HOST=ftp:\/\/x: unsupported scheme ftp/);
  });
});

describe("the daemon's TLS files, read from disk", () => {
  it("refuses a named pipe or a huge file in DOCKER_CERT_PATH at once, naming it, instead of blocking", () => {
    const dir = mkdtempSync(join(tmpdir(), "skopush-docker-certs-"));
    try {
      expect(spawnSync("mkfifo", [join(dir, "ca.pem")]).status).toBe(0);
      const env = { DOCKER_HOST: "tcp://d:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir };
      expect(() => dockerConnectionFromEnv(env)).toThrow(`${join(dir, "ca.pem")} is not a regular file: it is a named pipe (FIFO)`);
      rmSync(join(dir, "ca.pem"));
      writeFileSync(join(dir, "ca.pem"), Buffer.alloc((4 << 20) + 1));
      expect(() => dockerConnectionFromEnv(env)).toThrow(/ca\.pem is 4194305 bytes, more than the 4194304 bytes such a file may hold/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
