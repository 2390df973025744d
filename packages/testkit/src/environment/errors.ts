import { Data } from "effect";

/** A step of bringing the test environment up or down failed; the message says what to do about it. */
export class TestEnvironmentError extends Data.TaggedError("TestEnvironmentError")<{
  /** The step that failed, e.g. `install`, `dockerd`, `skopeo-image`, `registry plain`. */
  readonly step: string;
  readonly reason: string;
  readonly fix?: string | undefined;
  /** The last lines of the log of the process that failed, when there is one. */
  readonly logTail?: string | undefined;
  readonly cause?: unknown;
}> {
  override get message(): string {
    const fix = this.fix ? `. Fix: ${this.fix}` : "";
    const log = this.logTail?.trim() ? `\n--- last lines of the log ---\n${this.logTail.trimEnd()}` : "";
    return `[skopush] [test-environment] ${this.step}: ${this.reason}${fix}${log}`;
  }
}

/** A readiness probe's "not yet": polling continues until the probe succeeds or time runs out. */
export class NotReady extends Data.TaggedError("NotReady")<{
  readonly reason: string;
}> {}
