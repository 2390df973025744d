import { RegistryError } from "@skopush/core";
import { Data } from "effect";

/**
 * The registry forgot the upload session (`BLOB_UPLOAD_UNKNOWN`, `BLOB_UPLOAD_INVALID`, a 404 on the
 * session URL, a restarted registry): the blob starts again from `POST`, reopening its source.
 */
export class UploadSessionLost extends Data.TaggedError("UploadSessionLost")<{
  readonly registry: string;
  readonly reason: string;
}> {
  get isRetryable(): boolean {
    return true;
  }
  readonly retryAfterMs = undefined;

  /** What the push reports when retries run out. */
  toPushError(): RegistryError {
    return new RegistryError({ registry: this.registry, status: 404, code: "BLOB_UPLOAD_UNKNOWN", reason: `the upload session was lost again and again: ${this.reason}` });
  }
}

/** A proxy refused a request body as too large (413): the blob is sent again in chunks. */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{
  readonly registry: string;
  /** The body size refused, when known. */
  readonly size: number | undefined;
}> {
  /** Handled by switching to chunks, never by retrying as is. */
  get isRetryable(): boolean {
    return false;
  }
}
