import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import {
  defaultRetrySettings,
  ImageReference,
  isPushError,
  type ProgressEvent,
  type PushError,
  type PushOutcome,
  type PushRequest,
  type RetrySettings,
} from "@skopush/core";
import { pushSettingsFor, type TestRegistry } from "@skopush/testkit/environment";
import { RegistryPushStrategy, type RegistryPushOptions } from "@skopush/strategy-registry";

/** A scratch directory for one test file; `cleanup` removes it. */
export const scratch = async (label: string) => {
  const dir = await mkdtemp(join(tmpdir(), `skopush-registry-${label}-`));
  await mkdir(join(dir, "cache"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
};

/** A repository name no earlier run used, in `project` (the token registry only knows its Harbor project). */
export const uniqueRepository = (label: string, project = "interop"): string => `${project}/${label}-${randomBytes(4).toString("hex")}`;

/** A strategy with a private blob-info cache in `dir` (tests never share the user's cache). */
export const strategyIn = (dir: string, options: RegistryPushOptions = {}): RegistryPushStrategy =>
  new RegistryPushStrategy({ blobInfoCacheDir: join(dir, "cache"), ...options });

/** What a push needs for `registry`: its TLS trust and account; `host` overrides where to connect (a proxy). */
export const requestFor = (
  registry: TestRegistry,
  archive: string,
  reference: string,
  overrides: Partial<PushRequest> & { host?: string; retry?: RetrySettings } = {},
): PushRequest => {
  const { host, ...rest } = overrides;
  return {
    archive: { path: archive },
    destination: ImageReference.parseOrThrow(`${host ?? registry.host}/${reference}`),
    ...pushSettingsFor(registry),
    retry: { ...defaultRetrySettings, times: 1, baseDelayMs: 100 },
    ...rest,
  };
};

/** Runs a push to completion; throws with the cause when it failed. */
export const pushOk = async (strategy: RegistryPushStrategy, request: PushRequest, events: ProgressEvent[] = []): Promise<PushOutcome> => {
  const exit = await Effect.runPromiseExit(strategy.push(request, (e) => events.push(e)));
  if (Exit.isFailure(exit)) throw new Error(`push failed: ${Cause.pretty(exit.cause)}`);
  return exit.value;
};

/** Runs a push expected to fail; answers its typed error. */
export const pushFails = async (strategy: RegistryPushStrategy, request: PushRequest): Promise<PushError> => {
  const exit = await Effect.runPromiseExit(strategy.push(request, () => undefined));
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, the push succeeded with ${exit.value.digest}`);
  const found = Cause.findErrorOption(exit.cause);
  if (found._tag === "None" || !isPushError(found.value)) throw new Error(`expected a typed error, got ${Cause.pretty(exit.cause)}`);
  return found.value;
};
