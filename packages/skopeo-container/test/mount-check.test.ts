import { describe, expect, it } from "vitest";
import { checkSharedMount, normalizeHostPath, parseContainerInspect, type ContainerFacts } from "../src/index.js";

const shared = { hostPath: "/tmp/geoml-skopeo", containerPath: "/tmp/skopeo" };
const recreate = "docker run -d --name skopeo-service …";

const facts = (mounts: Array<{ Type?: string; Source: string; Destination: string; RW?: boolean }>): ContainerFacts =>
  parseContainerInspect([{ Id: "abc", Name: "/skopeo-service", State: { Status: "running", Running: true }, Mounts: mounts, HostConfig: { NetworkMode: "host" } }]);

describe("checkSharedMount", () => {
  it("accepts a writable bind of the host directory at the container directory", () => {
    const check = checkSharedMount(facts([{ Type: "bind", Source: "/tmp/geoml-skopeo", Destination: "/tmp/skopeo", RW: true }]), shared, { recreate, caseInsensitive: false });
    expect(check.mounted).toBe(true);
  });

  it("accepts the host directory's real path (a symlinked /tmp, as on macOS)", () => {
    const check = checkSharedMount(
      facts([{ Type: "bind", Source: "/private/tmp/geoml-skopeo/", Destination: "/tmp/skopeo/", RW: true }]),
      shared,
      { recreate, hostRealPath: "/private/tmp/geoml-skopeo", caseInsensitive: true },
    );
    expect(check.mounted).toBe(true);
  });

  it("says the container has no mount at the container directory, listing what it mounts", () => {
    const check = checkSharedMount(facts([{ Type: "bind", Source: "/srv/x", Destination: "/data", RW: true }]), shared, { recreate, caseInsensitive: false });
    expect(check).toMatchObject({ mounted: false });
    if (check.mounted) return;
    expect(check.reason).toBe("container skopeo-service does not mount the shared directory at /tmp/skopeo (its mounts: /srv/x at /data)");
    expect(check.fix).toContain("-v /tmp/geoml-skopeo:/tmp/skopeo");
    expect(check.fix).toContain(recreate);
  });

  it("says so when the container has no mounts at all", () => {
    const check = checkSharedMount(facts([]), shared, { recreate, caseInsensitive: false });
    expect(!check.mounted && check.reason).toContain("it has no mounts");
  });

  it("names the other host directory mounted at the container directory and how to use it", () => {
    const check = checkSharedMount(facts([{ Type: "bind", Source: "/srv/skopeo", Destination: "/tmp/skopeo", RW: true }]), shared, { recreate, caseInsensitive: false });
    expect(check.mounted).toBe(false);
    if (check.mounted) return;
    expect(check.reason).toBe("container skopeo-service mounts the host directory /srv/skopeo at /tmp/skopeo, not the shared directory /tmp/geoml-skopeo");
    expect(check.fix).toContain("SKOPEO_SHARED_DIR=/srv/skopeo");
  });

  it("recognises a named volume in place of the host directory", () => {
    const check = checkSharedMount(
      facts([{ Type: "volume", Source: "/var/lib/docker/volumes/x/_data", Destination: "/tmp/skopeo", RW: true }]),
      shared,
      { recreate, caseInsensitive: false },
    );
    expect(!check.mounted && check.reason).toContain("a volume mount");
  });

  it("refuses a read-only mount", () => {
    const check = checkSharedMount(facts([{ Type: "bind", Source: "/tmp/geoml-skopeo", Destination: "/tmp/skopeo", RW: false }]), shared, { recreate, caseInsensitive: false });
    expect(!check.mounted && check.reason).toContain("read-only");
  });

  it("compares case-sensitively on Linux", () => {
    const check = checkSharedMount(facts([{ Type: "bind", Source: "/TMP/geoml-skopeo", Destination: "/tmp/skopeo", RW: true }]), shared, { recreate, caseInsensitive: false });
    expect(check.mounted).toBe(false);
  });
});

describe("normalizeHostPath", () => {
  it("maps Docker Desktop's Windows and macOS forms to the host path", () => {
    expect(normalizeHostPath("C:\\Users\\ci\\skopeo\\", true)).toBe("c:/users/ci/skopeo");
    expect(normalizeHostPath("/run/desktop/mnt/host/c/Users/ci/skopeo", true)).toBe("c:/users/ci/skopeo");
    expect(normalizeHostPath("/host_mnt/Users/ci/skopeo", true)).toBe("/users/ci/skopeo");
    expect(normalizeHostPath("/tmp//geoml-skopeo/", false)).toBe("/tmp/geoml-skopeo");
  });
});

describe("parseContainerInspect", () => {
  it("reads state, image, mounts and network mode from docker inspect's array", () => {
    const parsed = parseContainerInspect([
      {
        Id: "0123",
        Name: "/skopeo-service",
        State: { Status: "exited", Running: false },
        Config: { Image: "quay.io/skopeo/stable" },
        Mounts: [{ Type: "bind", Source: "/a", Destination: "/b", RW: false }],
        HostConfig: { NetworkMode: "bridge" },
      },
    ]);
    expect(parsed).toEqual({
      id: "0123",
      name: "skopeo-service",
      status: "exited",
      running: false,
      image: "quay.io/skopeo/stable",
      mounts: [{ type: "bind", source: "/a", destination: "/b", readWrite: false }],
      networkMode: "bridge",
    });
  });

  it("counts a paused container as not running", () => {
    expect(parseContainerInspect({ State: { Status: "paused", Running: true, Paused: true } }).running).toBe(false);
  });
});
