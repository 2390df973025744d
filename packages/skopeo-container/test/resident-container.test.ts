import { describe, expect, it } from "vitest";
import { dockerRunCommand, resolveSharedDirectory } from "../src/index.js";

describe("dockerRunCommand", () => {
  it("is the seed's docker run line", () => {
    expect(
      dockerRunCommand({ name: "skopeo-service", image: "quay.io/skopeo/stable", hostSharedDir: "/tmp/geoml-skopeo", containerSharedDir: "/tmp/skopeo" }),
    ).toBe("docker run -d --name skopeo-service --restart unless-stopped -v /tmp/geoml-skopeo:/tmp/skopeo quay.io/skopeo/stable tail -f /dev/null");
  });

  it("adds the network and quotes what a shell would split", () => {
    expect(
      dockerRunCommand({ name: "s", image: "i", hostSharedDir: "/tmp/my dir", containerSharedDir: "/tmp/skopeo", networkMode: "host" }),
    ).toBe("docker run -d --name s --restart unless-stopped --network host -v '/tmp/my dir:/tmp/skopeo' i tail -f /dev/null");
  });
});

describe("resolveSharedDirectory", () => {
  it("defaults to /tmp/geoml-skopeo mounted at /tmp/skopeo", () => {
    expect(resolveSharedDirectory({}, {})).toEqual({ hostPath: "/tmp/geoml-skopeo", containerPath: "/tmp/skopeo" });
  });
  it("reads SKOPEO_SHARED_DIR from the given environment, explicit options win", () => {
    expect(resolveSharedDirectory({}, { SKOPEO_SHARED_DIR: "/srv/share/" }).hostPath).toBe("/srv/share");
    expect(resolveSharedDirectory({ hostPath: "/a" }, { SKOPEO_SHARED_DIR: "/srv/share" }).hostPath).toBe("/a");
    expect(resolveSharedDirectory({}, { SKOPEO_SHARED_DIR: "  " }).hostPath).toBe("/tmp/geoml-skopeo");
  });
  it("rejects a relative container path", () => {
    expect(() => resolveSharedDirectory({ containerPath: "tmp/skopeo" })).toThrow(/absolute/);
  });
});
