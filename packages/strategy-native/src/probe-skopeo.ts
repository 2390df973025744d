import { access, constants } from "node:fs/promises";
import { settingPhrase, StrategyUnavailable } from "@skopush/core";
import { isAtLeast, MINIMUM_SKOPEO_VERSION, parseSkopeoVersion, type SkopeoVersion } from "@skopush/skopeo";
import * as Effect from "effect/Effect";
import { execa } from "execa";
import type { ResolvedNativeSkopeoOptions } from "./native-skopeo-options.js";

/** How to get skopeo, for the `fix` of an unavailable native strategy, in the caller's terms. */
export const installSkopeo = (): string =>
  `install skopeo (Debian/Ubuntu: sudo apt-get install skopeo; Fedora/RHEL: sudo dnf install skopeo; macOS: brew install skopeo), or ${settingPhrase("skopeoPath")}`;

/**
 * Checks that skopeo can run here without touching the network: `skopeo --version` answers with a
 * release skopush supports, and the temp directory is writable.
 */
export const probeSkopeo = (
  strategy: string,
  options: Pick<ResolvedNativeSkopeoOptions, "skopeoPath" | "tempDirectory" | "probeTimeoutMs">,
  env: Readonly<Record<string, string>>,
): Effect.Effect<SkopeoVersion, StrategyUnavailable> =>
  Effect.gen(function* () {
    const unavailable = (reason: string, fix?: string, cause?: unknown) => new StrategyUnavailable({ strategy, reason, fix, cause });
    const result = yield* Effect.tryPromise({
      try: (signal) =>
        execa(options.skopeoPath, ["--version"], {
          env: { ...env },
          extendEnv: false,
          stdin: "ignore",
          timeout: options.probeTimeoutMs,
          cancelSignal: signal,
          forceKillAfterDelay: 1_000,
          reject: false,
        }),
      catch: (cause) => unavailable(`skopeo could not be run: ${String(cause)}`, installSkopeo(), cause),
    });
    const code = (result as { code?: string }).code;
    if (code === "ENOENT") {
      return yield* unavailable(
        options.skopeoPath.includes("/") ? `skopeo was not found at ${options.skopeoPath}` : `skopeo is not installed (no ${options.skopeoPath} on PATH)`,
        installSkopeo(),
      );
    }
    if (code === "EACCES") return yield* unavailable(`${options.skopeoPath} is not executable`, `chmod +x ${options.skopeoPath}, or ${installSkopeo()}`);
    if (result.timedOut) return yield* unavailable(`skopeo --version did not answer within ${options.probeTimeoutMs} ms`);
    if (result.exitCode !== 0) {
      const detail = String(result.stderr ?? "").trim().split("\n").slice(-2).join(" | ");
      return yield* unavailable(`skopeo --version failed (exit code ${result.exitCode ?? result.signal})${detail ? `: ${detail}` : ""}`, installSkopeo());
    }
    const version = parseSkopeoVersion(String(result.stdout ?? ""));
    if (version === undefined) {
      return yield* unavailable(`${options.skopeoPath} --version printed no skopeo version: ${JSON.stringify(String(result.stdout ?? "").slice(0, 80))}`, installSkopeo());
    }
    if (!isAtLeast(version)) {
      return yield* unavailable(`skopeo ${version.text} is older than ${MINIMUM_SKOPEO_VERSION.text}`, `upgrade skopeo: ${installSkopeo()}`);
    }
    yield* Effect.tryPromise({
      try: () => access(options.tempDirectory, constants.W_OK | constants.X_OK),
      catch: (cause) =>
        unavailable(`the temp directory ${options.tempDirectory} is not writable (${(cause as { code?: string }).code ?? String(cause)})`, "set TMPDIR or the native strategy's tempDirectory to a writable directory", cause),
    });
    return version;
  });
