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

/** The seed tool's result dict, in TypeScript. */
export interface SeedPushResult {
  readonly status: "success" | "error";
  /** `host/project/repository:tag`. */
  readonly image: string;
  /** How it was pushed: `docker` (docker-exec or dockerode), `native` or `registry`; absent on error. */
  readonly method?: SeedMethod | string | undefined;
  /** The exact strategy that pushed, e.g. `docker-exec`; absent on error. */
  readonly strategy?: string | undefined;
  /** For people: what happened, and on error what to do; lists why each method failed. */
  readonly message: string;
  /** The manifest digest the registry stored; absent on error. */
  readonly digest?: string | undefined;
  /** Every strategy tried, in order. */
  readonly attempts: ReadonlyArray<Attempt>;
  /** The tag of the deciding error, on error. */
  readonly error?: PushErrorTag | undefined;
  readonly durationMs: number;
}
