import * as Data from "effect/Data";

/** A lifecycle operation on the resident container failed; the message says why and what to do. */
export class ContainerLifecycleError extends Data.TaggedError("ContainerLifecycleError")<{
  readonly operation: "status" | "ensure" | "start" | "stop" | "restart" | "remove" | "logs";
  readonly container: string;
  readonly reason: string;
  readonly fix?: string | undefined;
  readonly cause?: unknown;
}> {
  override get message(): string {
    return `[skopush] [dockerode] cannot ${this.operation} container ${this.container}: ${this.reason}${this.fix ? `. Fix: ${this.fix}` : ""}`;
  }
  get isRetryable(): boolean {
    return false;
  }
}
