import { Clock, Effect } from "effect";
import { inject, injectable } from "tsyringe";
import type { ProgressSink, PushError, PushOutcome, PushRequest } from "@skopush/core";
import { NATIVE_SKOPEO_OPTIONS, NativeSkopeoStrategy, type NativeSkopeoOptions } from "@skopush/strategy-native";

/** One push the audit log records. */
export interface AuditEntry {
  readonly image: string;
  readonly digest: string;
  readonly strategy: string;
  readonly at: number;
}

/** Where audit entries go: a database, a log shipper, an array in a test. */
export interface AuditLog {
  record(entry: AuditEntry): void;
}

/** The DI token of the {@link AuditLog}. */
export const AUDIT_LOG = Symbol.for("@skopush/example-custom-chain/AuditLog");

/**
 * The native strategy with one addition: every successful push is recorded in the audit log. It keeps
 * the name `native`, so `--strategy native`, attempts and results read as before.
 */
@injectable()
export class AuditedNativeSkopeoStrategy extends NativeSkopeoStrategy {
  constructor(
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(NATIVE_SKOPEO_OPTIONS, { isOptional: true }) options?: NativeSkopeoOptions,
  ) {
    super(options);
  }

  override push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return super.push(request, progress).pipe(
      Effect.tap((outcome) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) =>
          Effect.sync(() => this.audit.record({ image: request.destination.toString(), digest: outcome.digest, strategy: this.name, at })),
        ),
      ),
    );
  }
}
