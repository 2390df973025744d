import * as Data from "effect/Data";

/** A plan that cannot be run: unreadable, not JSON, or an item with a missing or wrong field. */
export class PlanInvalid extends Data.TaggedError("PlanInvalid")<{
  /** The plan file, or `the plan` when given as a value. */
  readonly source: string;
  /** The item's position (0-based), when one item is wrong. */
  readonly item?: number | undefined;
  /** The field at fault, e.g. `destination`. */
  readonly field?: string | undefined;
  readonly reason: string;
  readonly fix: string;
}> {
  /** A plan is wrong the same way every time. */
  get isRetryable(): boolean {
    return false;
  }

  override get message(): string {
    const where = this.item === undefined ? "" : ` item ${this.item}${this.field === undefined ? "" : ` (${this.field})`}:`;
    return `[skopush] ${this.source}:${where} ${this.reason}. Fix: ${this.fix}`;
  }
}
