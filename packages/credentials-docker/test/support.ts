import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Cause, Effect, Exit, Redacted } from "effect";
import { afterEach } from "vitest";
import type { Credentials, CredentialsProvider, CredentialsQuery, PushError } from "@skopush/core";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh private temp dir, removed after the test. */
export const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "skopush-credentials-test-"));
  dirs.push(dir);
  return dir;
};

/** Writes `content` (an object is JSON-encoded) to `path`, creating parent dirs; mode 0600. */
export const writeJson = async (path: string, content: unknown): Promise<string> => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content), { mode: 0o600 });
  return path;
};

/** base64 of `user:password`, as `docker login` writes it. */
export const auth = (username: string, password: string): string => Buffer.from(`${username}:${password}`).toString("base64");

/** The plain answer of a provider: `{username, password}`, `undefined`, or the typed error. */
export const answer = async (
  provider: CredentialsProvider,
  query: CredentialsQuery,
): Promise<{ username: string; password: string } | undefined | PushError> => {
  const exit = await Effect.runPromiseExit(Effect.scoped(provider.resolve(query)));
  if (Exit.isSuccess(exit)) return plain(exit.value);
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "Some") return error.value;
  throw Cause.squash(exit.cause);
};

const plain = (credentials: Credentials | undefined) =>
  credentials && { username: credentials.username, password: Redacted.value(credentials.password) };

/** The error a provider failed with; fails the test when it answered. */
export const failure = async (provider: CredentialsProvider, query: CredentialsQuery): Promise<PushError> => {
  const result = await answer(provider, query);
  if (result === undefined || !("_tag" in result)) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
};

/**
 * Writes a fake `docker-credential-skopushtest` into `dir`: it logs its argv and stdin to `$HELPER_LOG`
 * and answers by server URL, as a real helper would; for `slow.example` it writes its pid to
 * `$HELPER_PID_FILE` and becomes `sleep 30`.
 */
export const writeFakeHelper = async (dir: string, name = "skopushtest"): Promise<string> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `docker-credential-${name}`);
  await writeFile(
    path,
    `#!/bin/sh
# Reads all of stdin: hangs (and times out) if the caller never closes it.
server=$(cat)
if [ -n "$HELPER_LOG" ]; then printf '%s\\n' "$*" >> "$HELPER_LOG"; printf '%s\\n' "$server" >> "$HELPER_LOG"; fi
case "$server" in
  found.example|found.example:5000|https://index.docker.io/v1/|docker.io)
    printf '{"ServerURL":"%s","Username":"robot$proj+ci","Secret":"he:lper$ecret"}\\n' "$server" ;;
  missing.example|missing.example:5000) echo "credentials not found in native keychain"; exit 1 ;;
  broken.example) echo "stdout-secret-SHOULD-NOT-LEAK"; echo "keychain is locked" >&2; exit 1 ;;
  slow.example) if [ -n "$HELPER_PID_FILE" ]; then echo $$ > "$HELPER_PID_FILE"; fi; exec sleep 30 ;;
  token.example) echo '{"ServerURL":"token.example","Username":"<token>","Secret":"refresh-token-value"}' ;;
  garbage.example) echo 'garbage-SHOULD-NOT-LEAK' ;;
  empty.example) echo '{"ServerURL":"empty.example","Username":"","Secret":""}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  await chmod(path, 0o755);
  return path;
};
