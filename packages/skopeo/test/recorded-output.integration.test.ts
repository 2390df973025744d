import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageReference } from "@skopush/core";
import { loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifySkopeoFailure, parseOutputLine } from "../src/index.js";
import { normalizeRecording, readRecording, RECORD_ENV, RECORDINGS_DIR, runScenario, writeRecording } from "./support/recorded-output.js";
import { SKOPEO_SCENARIOS } from "./support/skopeo-scenarios.js";

// Runs every scenario against real skopeo (the test registries, or the scripted stand-in for answers only
// Harbor gives) and checks that the classifier reads the live output as the recordings say. With
// SKOPUSH_RECORD_SKOPEO=1 it rewrites the recordings the unit tests use.
describe("skopeo's real output", () => {
  let environment: TestEnvironment;
  let dir: string;
  const recording = process.env[RECORD_ENV] === "1";

  beforeAll(async () => {
    environment = await loadTestEnvironment();
    dir = await mkdtemp(join(tmpdir(), "skopush-skopeo-scenarios-"));
    if (recording) await mkdir(RECORDINGS_DIR, { recursive: true });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(SKOPEO_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))("%s", async (_name, scenario) => {
    const run = await runScenario(scenario, { environment, dir });
    const normalize = (text: string) => normalizeRecording(text, { dir });
    if (recording) {
      await writeRecording(scenario.name, {
        stdout: normalize(run.stdout),
        stderr: normalize(run.stderr),
        context: {
          exitCode: run.exitCode,
          destination: normalize(run.command.destination),
          archivePath: normalize(run.command.archivePath),
          username: run.command.username,
        },
      });
    }

    if (scenario.expected === undefined) {
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout.split("\n").filter((line) => line.trim().length > 0).map((line) => parseOutputLine(line).kind)).not.toContain("other");
      return;
    }
    expect(run.exitCode).not.toBe(0);
    const destination = ImageReference.parseOrThrow(run.command.destination);
    const classify = (stderr: string) =>
      classifySkopeoFailure({
        strategy: "recording",
        exitCode: run.exitCode,
        stderr,
        destination,
        archivePath: run.command.archivePath,
        username: run.command.username,
      });
    const live = classify(run.stderr);
    expect(live._tag, live.message).toBe(scenario.expected);
    const recorded = await readRecording(scenario.name);
    expect(classify(recorded.stderr)._tag).toBe(scenario.expected);
  });
});
