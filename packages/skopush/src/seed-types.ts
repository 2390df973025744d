import type { Attempt, PushErrorTag } from "@skopush/core";
import type { ProgressCallback } from "./progress-callback.js";
import type { DependencyContainer } from "tsyringe";
import type { SeedMethod } from "./seed-method.js";

/** What to push where, as the seed tool's `push_from_tar` took it. */
export interface SeedPushTarget {
  /** The image tarball (`docker save` output or an OCI archive). */
  readonly tarFile: string;
  /** `https://harbor.example.com`, `http://10.0.0.5:8080` or `host[:port]` (https assumed). */
  readonly harborUrl: string;
  /** With `password`; when both are absent the environment and auth files are asked. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly project: string;
  readonly repository: string;
  /** @default "latest" */
  readonly tag?: string | undefined;
  /** Receives `(percent, message)`; percent is an integer that never goes down. */
  readonly progressCallback?: ProgressCallback | undefined;
  /**
   * Verify the registry's certificate. Unlike the seed tool (which always passed
   * `--dest-tls-verify=false`) skopush verifies unless told not to; an `http://` URL is never verified.
   * @default true
   */
  readonly tlsVerify?: boolean | undefined;
  /** A PEM file of CA certificates to trust for this registry. */
  readonly caFile?: string | undefined;
  /** Aborting it cancels the push and removes what it created. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `skopeoPushToHarbor`. */
export interface SkopeoPushToHarborOptions extends SeedPushTarget {
  /** Try skopeo in the resident container first; `false` uses the host's skopeo only. @default true */
  readonly preferDocker?: boolean | undefined;
  /**
   * After docker and native, also try the pure TypeScript registry client (method `registry`). The seed
   * tool had no such step, so it is off unless asked for. @default false
   */
  readonly registryFallback?: boolean | undefined;
  /** The container whose strategies are used (picked by name). @default createDefaultContainer() */
  readonly container?: DependencyContainer | undefined;
}

/** What every seed result carries. */
interface SeedPushResultBase {
  /** `host/project/repository:tag`. */
  readonly image: string;
  /** For people: what happened, and on error what to do; lists why each method failed. */
  readonly message: string;
  /** Every strategy tried, in order. */
  readonly attempts: ReadonlyArray<Attempt>;
  readonly durationMs: number;
}

/** A push that worked: `digest`, `method` and `strategy` are always there. */
export interface SeedPushSuccess extends SeedPushResultBase {
  readonly status: "success";
  /** How it was pushed: `docker` (docker-exec or dockerode), `native` or `registry` (or a custom strategy's name). */
  readonly method: SeedMethod | string;
  /** The exact strategy that pushed, e.g. `docker-exec`. */
  readonly strategy: string;
  /** The manifest digest the registry stored. */
  readonly digest: string;
  readonly error?: undefined;
}

/** A push that failed: `error` names the deciding error's tag. */
export interface SeedPushError extends SeedPushResultBase {
  readonly status: "error";
  /** The tag of the deciding error. */
  readonly error: PushErrorTag;
  readonly method?: undefined;
  readonly strategy?: undefined;
  readonly digest?: undefined;
}

/** The seed tool's result dict, in TypeScript; narrow on `status` (after `"success"`, `digest` is a string). */
export type SeedPushResult = SeedPushSuccess | SeedPushError;
