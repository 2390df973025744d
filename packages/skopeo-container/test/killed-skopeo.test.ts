import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { killedSkopeoProblem, settledContainerState } from "../src/index.js";

describe("killedSkopeoProblem", () => {
  it("says the container stopped under the push, with the signal and how to start it again", () => {
    const problem = killedSkopeoProblem({ container: "skopeo-service", exitCode: 137, containerRunning: false });
    expect(problem.reason).toBe("container skopeo-service stopped under the push (skopeo ended with exit code 137, killed by SIGKILL)");
    expect(problem.fix).toContain("docker start skopeo-service");
  });

  it("says skopeo alone was killed when the container still runs (or cannot be inspected), pointing at memory", () => {
    for (const containerRunning of [true, undefined]) {
      const problem = killedSkopeoProblem({ container: "c", exitCode: 143, containerRunning });
      expect(problem.reason).toContain("killed by SIGTERM");
      expect(problem.reason).toContain("OOM killer");
      expect(problem.fix).toContain("memory limit");
    }
  });

  it("names no signal for an exit code that maps to none", () => {
    expect(killedSkopeoProblem({ container: "c", exitCode: 255, containerRunning: false }).reason).toContain("(skopeo ended with exit code 255)");
  });
});

describe("settledContainerState", () => {
  it("asks again while the container still looks alive, and answers its settled state", async () => {
    const answers: Array<true | false> = [true, true, false];
    let asked = 0;
    const state = await Effect.runPromise(settledContainerState(Effect.sync(() => answers[asked++] ?? false)));
    expect([state, asked]).toEqual([false, 3]);
  });

  it("answers running when the container keeps running", async () => {
    let asked = 0;
    expect(await Effect.runPromise(settledContainerState(Effect.sync(() => (asked++, true as const))))).toBe(true);
    expect(asked).toBe(21);
  });
});
