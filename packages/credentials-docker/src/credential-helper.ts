import * as Effect from "effect/Effect";
import { CredentialsError } from "@skopush/core";
import type { Environment } from "./credentials-sources.js";

/** What `docker-credential-<helper> get` answered. */
export type HelperAnswer =
  | { readonly kind: "password"; readonly username: string; readonly password: string }
  | { readonly kind: "not-found" };

/** How a helper is run. */
export interface CredentialHelperRun {
  /** The helper's name: `secretservice` runs `docker-credential-secretservice`. */
  readonly helper: string;
  /** What the helper is asked about, written to its stdin. */
  readonly serverUrl: string;
  /** The configuration that named the helper, for error messages. */
  readonly configuredIn: string;
  /** The helper's whole environment (PATH included). */
  readonly env: Environment;
  readonly timeoutMs: number;
}

const NOT_FOUND = "credentials not found in native keychain";
const IDENTITY_TOKEN_USERNAME = "<token>";

/**
 * Runs `docker-credential-<helper> get` with an argv array, the server URL on stdin (then closed) and a
 * time limit. Its stdout may hold a secret, so no message ever quotes it.
 */
export const getFromCredentialHelper = (run: CredentialHelperRun): Effect.Effect<HelperAnswer, CredentialsError> => {
  const program = `docker-credential-${run.helper}`;
  const source = `${program} (configured in ${run.configuredIn})`;
  const fail = (reason: string, fix?: string, cause?: unknown) => new CredentialsError({ source, reason, fix, cause });
  return Effect.tryPromise({
    // execa loads on the first helper run: most pushes never run one, and its modules cost a process a few ms.
    try: async (signal) =>
      (await import("execa")).execa(program, ["get"], {
        input: `${run.serverUrl}\n`,
        env: { ...run.env },
        extendEnv: false,
        timeout: run.timeoutMs,
        cancelSignal: signal,
        forceKillAfterDelay: 1_000,
        reject: false,
        encoding: "utf8",
        stripFinalNewline: true,
        maxBuffer: 1024 * 1024,
      }),
    catch: (cause) => fail("could not be started", undefined, cause),
  }).pipe(
    Effect.flatMap((result) => {
      if (result.code === "ENOENT") {
        return Effect.fail(
          fail(`is not installed (not found on PATH)`, `install ${program}, or remove "${run.helper}" from ${run.configuredIn}`),
        );
      }
      if (result.timedOut) {
        return Effect.fail(fail(`did not answer within ${run.timeoutMs} ms`, "check that the keychain is unlocked and reachable"));
      }
      const stdout = String(result.stdout ?? "").trim();
      if (result.exitCode !== 0) {
        if (stdout === NOT_FOUND) return Effect.succeed<HelperAnswer>({ kind: "not-found" });
        const stderr = lastLines(String(result.stderr ?? ""));
        const exit = result.exitCode === undefined ? (result.signal ? `was killed by ${result.signal}` : "failed") : `exited with code ${result.exitCode}`;
        return Effect.fail(
          fail(
            `${exit} for ${run.serverUrl}${stderr ? ` (stderr: ${stderr})` : ""}; its stdout is not shown because it may hold a secret`,
            `run "echo ${run.serverUrl} | ${program} get" yourself to see the helper's answer`,
          ),
        );
      }
      return Effect.suspend(() => {
        const answer = parseAnswer(stdout);
        return "problem" in answer ? Effect.fail(fail(answer.problem, answer.fix)) : Effect.succeed(answer);
      });
    }),
  );
};

type Problem = { readonly problem: string; readonly fix?: string };

/** Parses `{"ServerURL","Username","Secret"}`, or says what is wrong with it. */
const parseAnswer = (stdout: string): HelperAnswer | Problem => {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { problem: "answered with something that is not the JSON object the helper protocol defines" };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { problem: "answered with JSON that is not an object" };
  }
  const { Username: username, Secret: secret } = json as { Username?: unknown; Secret?: unknown };
  if (typeof username !== "string" || typeof secret !== "string") {
    return { problem: 'answered without string "Username" and "Secret" fields' };
  }
  if (username === "" && secret === "") return { kind: "not-found" };
  if (username === IDENTITY_TOKEN_USERNAME) {
    return {
      problem:
        'holds an identity token (Username "<token>"), not a password; Harbor neither issues nor accepts identity tokens, and skopush will not fall back to an anonymous push',
      fix: "log in with a username and password or a Harbor robot account, or pass credentials explicitly",
    };
  }
  if (username === "") return { problem: "answered with an empty Username" };
  return { kind: "password", username, password: secret };
};

const lastLines = (text: string): string => {
  const lines = text.trim().split("\n").filter((line) => line.trim().length > 0);
  const tail = lines.slice(-3).join(" | ");
  return tail.length > 300 ? `${tail.slice(0, 300)}…` : tail;
};
