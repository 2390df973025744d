import { describe, expect, it } from "vitest";
import { DockerExecPushStrategy, dockerCliEnvironment } from "../src/index.js";

const env = {
  PATH: "/usr/bin",
  HOME: "/home/ci",
  DOCKER_HOST: "unix:///run/user/1000/docker.sock",
  SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
  SKOPUSH_USERNAME: "robot$team+ci",
  SKOPUSH_PASSWORD: "s3cret:pa$$",
  HARBOR_PASSWORD: "s3cret",
  DOCKER_AUTH_CONFIG: '{"auths":{"h":{"auth":"czNjcmV0"}}}',
  CI_JOB_TOKEN: "glcbt-123",
  SKOPEO_SHARED_DIR: "/srv/skopeo",
};

describe("the docker CLI's environment", () => {
  it("keeps what the docker CLI needs and withholds everything else, credentials first", () => {
    expect(dockerCliEnvironment(env)).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/ci",
      DOCKER_HOST: "unix:///run/user/1000/docker.sock",
      SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
    });
  });

  it("is what the strategy runs docker with; SKOPEO_SHARED_DIR is still read from the whole environment", () => {
    const strategy = new DockerExecPushStrategy({ env });
    expect(Object.values(strategy.target.cli.env)).not.toContain("s3cret:pa$$");
    expect(strategy.target.cli.env).not.toHaveProperty("DOCKER_AUTH_CONFIG");
    expect(strategy.target.shared.hostPath).toBe("/srv/skopeo");
    expect(new DockerExecPushStrategy({ env, inheritedEnv: ["PATH", "CI_JOB_TOKEN"] }).target.cli.env).toEqual({ PATH: "/usr/bin", CI_JOB_TOKEN: "glcbt-123" });
  });
});
