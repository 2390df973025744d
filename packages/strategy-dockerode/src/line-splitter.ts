/** Turns chunks of a byte stream into lines (without the newline), keeping a partial last line until more arrives. */
export class LineSplitter {
  private pending = "";

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a chunk; complete lines are emitted at once. */
  push(chunk: Buffer): void {
    const text = this.pending + chunk.toString("utf8");
    const lines = text.split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) this.onLine(line.replace(/\r$/, ""));
  }

  /** Emits what is left after the stream ended. */
  flush(): void {
    if (this.pending !== "") this.onLine(this.pending.replace(/\r$/, ""));
    this.pending = "";
  }
}
