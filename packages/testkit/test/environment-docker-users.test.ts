import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { environmentsUsingDocker, mayStopDockerd, STOP_DOCKERD_ENV } from "../src/environment/docker-users.js";

const SOCKET = "/var/run/docker.sock";

describe("which other test environments use a daemon (teardown leaves it to them)", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "skopush-docker-users-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A state directory as an environment writes it, recording `socket`. */
  const environmentAt = (name: string, socket: string): string => {
    const stateDir = join(root, name, ".skopush-env");
    mkdirSync(join(stateDir, "registries", "plain"), { recursive: true });
    writeFileSync(join(stateDir, "state.json"), JSON.stringify({ docker: { socket, startedByUs: false } }));
    return stateDir;
  };
  const registryOf = (stateDir: string, kind = "plain") => ["/usr/bin/docker-registry", "serve", join(stateDir, "registries", kind, "config.yml")];

  it("finds another worktree's live environment on the same socket, once however many registries it runs", () => {
    const mine = environmentAt("mine", SOCKET);
    const theirs = environmentAt("theirs", SOCKET);
    const lines = [registryOf(mine), registryOf(theirs, "plain"), registryOf(theirs, "tls"), ["/usr/sbin/dockerd"], ["node", "vitest"]];
    expect(environmentsUsingDocker(lines, SOCKET, mine)).toEqual([theirs]);
  });

  it("ignores its own registries, environments on another daemon's socket, and registries of no environment", () => {
    const mine = environmentAt("mine", SOCKET);
    const privateDaemon = environmentAt("private", join(root, "private.sock"));
    const lines = [
      registryOf(mine),
      registryOf(privateDaemon),
      ["/usr/bin/docker-registry", "serve", join(root, "elsewhere", "config.yml")],
      ["/usr/bin/docker-registry", "serve", join(root, "gone", ".skopush-env", "registries", "plain", "config.yml")],
      ["/bin/sh", "serve", join(environmentAt("shell", SOCKET), "registries", "plain", "config.yml")],
    ];
    expect(environmentsUsingDocker(lines, SOCKET, mine)).toEqual([]);
  });

  it(`never stops the daemon when ${STOP_DOCKERD_ENV}=0`, () => {
    const lonely = environmentAt("lonely", join(root, "nobody-else.sock"));
    expect(mayStopDockerd(join(root, "nobody-else.sock"), lonely, {})).toBe(true);
    expect(mayStopDockerd(join(root, "nobody-else.sock"), lonely, { [STOP_DOCKERD_ENV]: "0" })).toBe(false);
  });
});
