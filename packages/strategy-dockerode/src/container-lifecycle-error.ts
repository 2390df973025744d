import * as Data from "effect/Data";

/** Each operation as the verb of "cannot … container X". */
const VERBS = { status: "inspect", ensure: "create", start: "start", stop: "stop", restart: "restart", remove: "remove", logs: "read the logs of" } as const;

/** A lifecycle operation on the resident container failed; the message says why and what to do. */
export class ContainerLifecycleError extends Data.TaggedError("ContainerLifecycleError")<{
  readonly operation: "status" | "ensure" | "start" | "stop" | "restart" | "remove" | "logs";
  readonly container: string;
  readonly reason: string;
  readonly fix?: string | undefined;
  readonly cause?: unknown;
}> {
  override get message(): string {
    return `[skopush] [dockerode] cannot ${VERBS[this.operation]} container ${this.container}: ${this.reason}${this.fix ? `. Fix: ${this.fix}` : ""}`;
  }
  get isRetryable(): boolean {
    return false;
  }
}
