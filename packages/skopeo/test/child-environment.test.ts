import { describe, expect, it } from "vitest";
import { BASE_CHILD_ENV, pickEnvironment } from "../src/index.js";

describe("pickEnvironment", () => {
  it("keeps only the named variables that are set", () => {
    const source = { PATH: "/usr/bin", HOME: "/root", SKOPUSH_PASSWORD: "s3cret", HARBOR_PASSWORD: "x", TZ: undefined };
    expect(pickEnvironment(source, ["PATH", "HOME", "TZ", "LANG"])).toEqual({ PATH: "/usr/bin", HOME: "/root" });
  });

  it("withholds every credential variable by default", () => {
    const secrets = ["SKOPUSH_PASSWORD", "SKOPUSH_USERNAME", "HARBOR_PASSWORD", "DOCKER_AUTH_CONFIG", "REGISTRY_AUTH_FILE"];
    for (const name of secrets) expect(BASE_CHILD_ENV).not.toContain(name);
    const source = Object.fromEntries([...BASE_CHILD_ENV, ...secrets].map((name) => [name, `value of ${name}`]));
    expect(Object.keys(pickEnvironment(source, BASE_CHILD_ENV)).sort()).toEqual([...BASE_CHILD_ENV].sort());
  });
});
