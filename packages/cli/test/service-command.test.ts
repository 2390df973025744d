import { describe, expect, it } from "vitest";
import { run, type ResidentContainerSpec, type ResidentContainerStatus, type ServiceManager } from "@skopush/cli";
import { testIo } from "./support.js";

/** A manager that records calls and keeps a pretend container's state. */
const fakeManager = () => {
  const specs: ResidentContainerSpec[] = [];
  const calls: string[] = [];
  let state: "missing" | "running" | "stopped" = "missing";
  const status = (name: string): ResidentContainerStatus => ({
    name,
    exists: state !== "missing",
    running: state === "running",
    image: state === "missing" ? undefined : "quay.io/skopeo/stable",
    mounts: state === "missing" ? undefined : [{ source: "/tmp/geoml-skopeo", destination: "/tmp/skopeo" }],
  });
  const create = (spec: ResidentContainerSpec): ServiceManager => {
    specs.push(spec);
    const act = async (call: string, next?: typeof state) => {
      calls.push(call);
      if (next) state = next;
      return status(spec.name);
    };
    return {
      create: () => act("create", "running"),
      start: () => act("start", "running"),
      stop: () => act("stop", "stopped"),
      restart: () => act("restart", "running"),
      status: () => act("status"),
      remove: () => act("remove", "missing"),
      logs: async ({ tail }) => {
        calls.push(`logs ${tail}`);
        return "line 1\nline 2\n";
      },
    };
  };
  return { create, specs, calls };
};

describe("skopush service", () => {
  it("creates the container with the seed's defaults", async () => {
    const manager = fakeManager();
    const { io, stdout } = testIo();
    expect(await run(["service", "create"], io, { createServiceManager: manager.create })).toBe(0);
    expect(manager.specs[0]).toMatchObject({ name: "skopeo-service", image: undefined, sharedDir: "/tmp/geoml-skopeo", network: undefined });
    expect(stdout.text).toBe("created: skopeo-service running (image quay.io/skopeo/stable, mount /tmp/geoml-skopeo:/tmp/skopeo)\n");
  });

  it("passes --name, --image, --shared-dir and --network; SKOPEO_SHARED_DIR is the default shared directory", async () => {
    const manager = fakeManager();
    await run(["service", "create", "--name", "skopeo-ci", "--image", "skopush/skopeo:local", "--shared-dir", "/srv/share", "--network", "host"], testIo().io, {
      createServiceManager: manager.create,
    });
    await run(["service", "status"], testIo({ env: { SKOPEO_SHARED_DIR: "/data/skopeo" } }).io, { createServiceManager: manager.create });
    expect(manager.specs[0]).toMatchObject({ name: "skopeo-ci", image: "skopush/skopeo:local", sharedDir: "/srv/share", network: "host" });
    expect(manager.specs[1]).toMatchObject({ name: "skopeo-service", sharedDir: "/data/skopeo" });
  });

  it("runs every action; status exits 1 when the container does not run", async () => {
    const manager = fakeManager();
    const results: Array<[string, number, string]> = [];
    for (const action of ["status", "create", "stop", "status", "start", "restart", "logs", "rm"]) {
      const { io, stdout } = testIo();
      results.push([action, await run(["service", action, ...(action === "logs" ? ["--tail", "2"] : [])], io, { createServiceManager: manager.create }), stdout.text]);
    }
    expect(manager.calls).toEqual(["status", "create", "stop", "status", "start", "restart", "logs 2", "remove"]);
    expect(results.map(([action, code]) => [action, code])).toEqual([
      ["status", 1],
      ["create", 0],
      ["stop", 0],
      ["status", 1],
      ["start", 0],
      ["restart", 0],
      ["logs", 0],
      ["rm", 0],
    ]);
    expect(results[0]?.[2]).toBe("skopeo-service does not exist\n");
    expect(results[3]?.[2]).toContain("skopeo-service stopped");
    expect(results[6]?.[2]).toBe("line 1\nline 2\n");
    expect(results[7]?.[2]).toBe("removed: skopeo-service does not exist\n");
  });

  it("--json prints the status as one line", async () => {
    const manager = fakeManager();
    const { io, stdout } = testIo();
    await run(["service", "create", "--json"], io, { createServiceManager: manager.create });
    expect(JSON.parse(stdout.text)).toMatchObject({ action: "create", name: "skopeo-service", exists: true, running: true });
  });

  it("reports a failing action with its message and exit 1", async () => {
    const { io, stderr } = testIo();
    const failing = () => ({ ...fakeManager().create({ name: "x", sharedDir: "/tmp", env: {} }), start: () => Promise.reject(new Error("[skopush] [dockerode] cannot start skopeo-service: no such container. Fix: skopush service create")) });
    expect(await run(["service", "start"], io, { createServiceManager: failing })).toBe(1);
    expect(stderr.text).toContain("Fix: skopush service create");
  });

  it.each([
    [["service"], "missing <action>"],
    [["service", "explode"], 'unknown action "explode"'],
    [["service", "start", "--image", "x"], "--image only applies to service create"],
    [["service", "status", "--tail", "3"], "--tail only applies to service logs"],
    [["service", "logs", "--tail", "-1"], "--tail needs a value"],
    [["service", "logs", "--tail", "many"], "--tail needs a whole number"],
    [["service", "start", "extra"], 'unexpected argument "extra"'],
  ])("refuses %j with exit 2: %s", async (argv, text) => {
    const { io, stderr } = testIo();
    expect(await run(argv, io, { createServiceManager: fakeManager().create })).toBe(2);
    expect(stderr.text).toContain(text);
  });
});
