import * as Data from "effect/Data";

/** The command line is wrong: an unknown flag, a missing argument, a refused flag. Exit code 2. */
export class UsageError extends Data.TaggedError("UsageError")<{
  /** What is wrong, written for the person who typed the command; never holds a flag's value. */
  readonly reason: string;
  /** The command whose usage to show, e.g. `push`. */
  readonly command?: string | undefined;
}> {
  override get message(): string {
    const help = this.command ? `skopush ${this.command} --help` : "skopush --help";
    return `[skopush] ${this.reason} (see ${help})`;
  }
}
