import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadTestEnvironment } from "../src/environment/environment.js";
import { TestEnvironment } from "../src/environment/test-environment.js";
import { layoutOf, repositoryRoot, resolveStateDir, STATE_DIR_ENV } from "../src/environment/paths.js";
import { readState, stateProblem, writeState, type EnvironmentState, type TestRegistry } from "../src/environment/state.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skopush-state-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const registry = (kind: TestRegistry["kind"], port: number, pid?: number): TestRegistry => ({
  kind,
  host: `127.0.0.1:${port}`,
  port,
  url: `${kind === "plain" ? "http" : "https"}://127.0.0.1:${port}`,
  scheme: kind === "plain" ? "http" : "https",
  pid,
  configFile: join(dir, "registries", kind, "config.yml"),
  storageDir: join(dir, "registries", kind, "data"),
  logFile: join(dir, "registries", kind, "registry.log"),
});

const state = (registries: EnvironmentState["registries"]): EnvironmentState => ({
  version: 1,
  stateDir: dir,
  docker: { socket: "/var/run/docker.sock", startedByUs: false },
  certificates: { caFile: join(dir, "ca.crt"), certDir: join(dir, "cert-dir"), serverCert: "c", serverKey: "k" },
  credentials: { username: "robot$skopush+ci", password: "Sk:x$y" },
  httpSecret: "secret",
  registries,
  updatedAt: "2026-01-01T00:00:00.000Z",
});

describe("state.json", () => {
  it("round-trips, readable by its owner only", () => {
    const file = layoutOf(dir).stateFile;
    const written = state({ plain: registry("plain", 5000, 123) });
    writeState(file, written);
    expect(readState(file)).toEqual(written);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("is absent until written", () => {
    expect(readState(layoutOf(dir).stateFile)).toBeUndefined();
  });

  it("refuses a file that is not JSON, or not this version's state", () => {
    const file = layoutOf(dir).stateFile;
    writeFileSync(file, "{not json");
    expect(() => readState(file)).toThrow(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ ...state({}), version: 2 }));
    expect(() => readState(file)).toThrow(/version is 2, expected 1/);
  });

  it("names what is wrong with a state", () => {
    expect(stateProblem(null)).toMatch(/not a JSON object/);
    expect(stateProblem({ ...state({}), credentials: undefined })).toMatch(/credentials/);
    expect(stateProblem(state({ ["oauth" as "plain"]: registry("plain", 1) }))).toMatch(/unknown registry kind "oauth"/);
    expect(stateProblem(state({ tls: registry("plain", 1) }))).toMatch(/registry tls is incomplete/);
    expect(stateProblem(state({ plain: registry("plain", 1) }))).toBeUndefined();
  });

  it("leaves no temp file behind", () => {
    writeState(layoutOf(dir).stateFile, state({}));
    expect(readFileSync(layoutOf(dir).stateFile, "utf8")).toContain('"version": 1');
    expect(() => statSync(`${layoutOf(dir).stateFile}.${process.pid}.tmp`)).toThrow(/ENOENT/);
  });
});

describe("loadTestEnvironment", () => {
  it("tells to run npm run env:up when there is no environment", async () => {
    await expect(loadTestEnvironment({ stateDir: dir })).rejects.toThrow(/no test environment in .*run npm run env:up/s);
  });

  it("tells to run npm run env:up when the recorded registries are not running", async () => {
    writeState(layoutOf(dir).stateFile, state({ plain: registry("plain", 5000, 2 ** 22 + 1), tls: registry("tls", 5001) }));
    await expect(loadTestEnvironment({ stateDir: dir })).rejects.toMatchObject({
      _tag: "TestEnvironmentError",
      message: expect.stringMatching(/is not up.*npm run env:up/s),
    });
  });
});

describe("TestEnvironment", () => {
  it("hands out running registries and refuses stopped or absent ones", () => {
    const env = new TestEnvironment(state({ plain: registry("plain", 5000, 42), tls: registry("tls", 5001) }));
    expect(env.registry("plain").port).toBe(5000);
    expect(env.registries.map((r) => r.kind)).toEqual(["plain"]);
    expect(() => env.registry("tls")).toThrow(/registry tls: not running/);
    expect(() => env.registry("basic")).toThrow(/registry basic: not running/);
  });
});

describe("the state directory", () => {
  it("is the explicit one, else $SKOPUSH_ENV_DIR, else <repo>/.skopush-env", () => {
    expect(resolveStateDir("/x/y", {})).toBe("/x/y");
    expect(resolveStateDir(undefined, { [STATE_DIR_ENV]: "/from/env" })).toBe("/from/env");
    expect(resolveStateDir(undefined, {})).toBe(join(repositoryRoot(), ".skopush-env"));
  });

  it("defaults to the root of the workspace this module is in", () => {
    const root = repositoryRoot();
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces).toBeDefined();
  });
});
