import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { ScenarioCommand, ScenarioContext, SkopeoScenario } from "./skopeo-scenarios.js";

/** Where recorded skopeo output lives: `<scenario>.stdout.txt` and `<scenario>.stderr.txt`. */
export const RECORDINGS_DIR = fileURLToPath(new URL("../fixtures/skopeo-output/", import.meta.url));

/** Set to `1` to (re)write the recordings from the live runs. */
export const RECORD_ENV = "SKOPUSH_RECORD_SKOPEO";

/** What one scenario printed. */
export interface ScenarioRun {
  readonly command: ScenarioCommand;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a scenario's command (no shell unless the scenario is the namespace wrapper), stdin closed. */
export const runScenario = async (scenario: SkopeoScenario, context: ScenarioContext): Promise<ScenarioRun> => {
  const command = await scenario.command(context);
  try {
    const result = await execa(command.file, [...command.args], { reject: false, stdin: "ignore", timeout: 90_000, stripFinalNewline: false });
    return { command, exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  } finally {
    await command.cleanup?.();
  }
};

/**
 * Makes a recording stable and free of local detail: log timestamps, ports, the private temp dir and
 * upload session ids become fixed text. The shape of every line stays as skopeo printed it.
 */
export const normalizeRecording = (text: string, context: Pick<ScenarioContext, "dir">): string =>
  text
    .replaceAll(context.dir, "/tmp/skopush-samples")
    .replace(/time="[^"]+"/g, 'time="2026-01-01T00:00:00Z"')
    .replace(/127\.0\.0\.1:(?!53\b)\d+/g, "127.0.0.1:5000")
    .replace(/\/var\/tmp\/oci\d+/g, "/var/tmp/oci000000000")
    .replace(/uploads\/[0-9a-f-]{36}\?_state=[A-Za-z0-9_=%-]+/g, "uploads/00000000-0000-0000-0000-000000000000?_state=STATE");

/** What the classifier is told about a recorded run, besides stderr. */
export interface RecordedContext {
  readonly exitCode: number;
  readonly destination: string;
  readonly archivePath: string;
  readonly username?: string | undefined;
}

/** A scenario's recording: what skopeo printed, and the run's context. */
export interface Recording {
  readonly stdout: string;
  readonly stderr: string;
  readonly context: RecordedContext;
}

/** Writes a scenario's recording (already normalized). */
export const writeRecording = async (name: string, recording: Recording): Promise<void> => {
  await writeFile(join(RECORDINGS_DIR, `${name}.stdout.txt`), recording.stdout);
  await writeFile(join(RECORDINGS_DIR, `${name}.stderr.txt`), recording.stderr);
  await writeFile(join(RECORDINGS_DIR, `${name}.context.json`), `${JSON.stringify(recording.context, null, 2)}\n`);
};

/** Reads a scenario's recording. */
export const readRecording = async (name: string): Promise<Recording> => ({
  stdout: await readFile(join(RECORDINGS_DIR, `${name}.stdout.txt`), "utf8"),
  stderr: await readFile(join(RECORDINGS_DIR, `${name}.stderr.txt`), "utf8"),
  context: JSON.parse(await readFile(join(RECORDINGS_DIR, `${name}.context.json`), "utf8")) as RecordedContext,
});
