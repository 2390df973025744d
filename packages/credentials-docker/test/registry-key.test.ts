import { describe, expect, it } from "vitest";
import { helperServerUrl, namespaceKeys, normaliseContainersKey, normaliseDockerKey } from "../src/registry-key.js";

describe("registry keys", () => {
  it.each([
    ["harbor.example.com", "harbor.example.com"],
    ["https://harbor.example.com", "harbor.example.com"],
    ["http://harbor.example.com:8080/v1/", "harbor.example.com:8080"],
    ["harbor.example.com/proj", "harbor.example.com"],
    ["HARBOR.Example.com", "harbor.example.com"],
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
  ])("docker key %s names %s", (key, host) => {
    expect(normaliseDockerKey(key)).toBe(host);
  });

  it.each([
    ["harbor.example.com/proj/app", "harbor.example.com/proj/app"],
    ["harbor.example.com/proj/", "harbor.example.com/proj"],
    ["https://harbor.example.com/v1/", "harbor.example.com"],
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io/library", "docker.io/library"],
  ])("containers key %s names %s", (key, name) => {
    expect(normaliseContainersKey(key)).toBe(name);
  });

  it("lists namespace keys most specific first", () => {
    expect(namespaceKeys("harbor.example.com", "proj/team/app")).toEqual([
      "harbor.example.com/proj/team/app",
      "harbor.example.com/proj/team",
      "harbor.example.com/proj",
      "harbor.example.com",
    ]);
    expect(namespaceKeys("index.docker.io", "library/busybox")).toEqual(["docker.io/library/busybox", "docker.io/library", "docker.io"]);
  });

  it("asks helpers about Docker Hub by its legacy key and others by host", () => {
    expect(helperServerUrl("docker.io")).toBe("https://index.docker.io/v1/");
    expect(helperServerUrl("harbor.example.com:8443")).toBe("harbor.example.com:8443");
  });
});
