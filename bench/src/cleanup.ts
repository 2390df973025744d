/**
 * What the bench must undo (its registry, containers, temp directory), run once: at the end, on an error, or
 * on SIGINT/SIGTERM. Tasks run in reverse order of registration; a failing task is reported and the others
 * still run.
 */
export class Cleanup {
  private readonly tasks: Array<{ readonly what: string; readonly run: () => Promise<unknown> }> = [];
  private running: Promise<void> | undefined;

  /** Registers `run`, described as `what` in failure messages. */
  add(what: string, run: () => Promise<unknown>): void {
    this.tasks.push({ what, run });
  }

  /** Runs every task once; later calls wait for the first. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const task of this.tasks.reverse()) {
        await task.run().catch((error: unknown) => console.error(`cleanup: could not ${task.what}: ${String(error)}`));
      }
    })();
    return this.running;
  }

  /** On SIGINT or SIGTERM: runs the tasks, then exits 130 (143 for SIGTERM). */
  onSignals(): void {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: cleaning up`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }
}
