import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TlsVerificationFailed, type TlsSettings } from "@skopush/core";
import { CERTIFICATE_FILE_MAX_BYTES, readConfigFile } from "@skopush/config-files";
import * as Effect from "effect/Effect";
import type { Workspace } from "./skopeo-host.js";

/** The cert dir's name inside the workspace. */
export const CERT_DIR_NAME = "certs";

/** What containers-certs.d(5) reads from a cert dir: `*.crt` CA roots, `*.cert` + `*.key` client pairs. */
const CERT_DIR_FILE = /\.(?:crt|cert|key)$/;

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

const codeOf = (cause: unknown): string => String((cause as { code?: unknown } | null)?.code ?? cause);

/**
 * A certificate or key file's text: a regular file of at most 4 MiB (a named pipe would block forever),
 * or the reason it is not one.
 */
const readPem = (path: string): Effect.Effect<string, string> =>
  Effect.promise(() => readConfigFile(path, { maxBytes: CERTIFICATE_FILE_MAX_BYTES })).pipe(
    Effect.flatMap((read) =>
      read.state === "read" ? Effect.succeed(read.bytes.toString("utf8")) : Effect.fail(read.state === "missing" ? "cannot be read (ENOENT)" : read.reason),
    ),
  );

/**
 * Builds the cert dir skopeo gets with `--dest-cert-dir`, inside the workspace: the files of `tls.certDir`
 * (`*.crt`, `*.cert`, `*.key`) and `tls.caFile` as `ca.crt`. Returns the path skopeo sees, or `undefined`
 * when neither is set (skopeo then uses the system roots and its default `certs.d` directories). Copying
 * rather than pointing at the originals lets every host (a container too) read them, and the copies go
 * with the workspace.
 */
export const prepareCertDir = (
  workspace: Workspace,
  registry: string,
  tls: TlsSettings,
): Effect.Effect<string | undefined, TlsVerificationFailed> => {
  if (tls.caFile === undefined && tls.certDir === undefined) return Effect.succeed(undefined);
  const fail = (reason: string, cause?: unknown) => new TlsVerificationFailed({ registry, reason, cause });
  return Effect.gen(function* () {
    const target = join(workspace.pinnedPath, CERT_DIR_NAME);
    yield* Effect.tryPromise({ try: () => mkdir(target, { mode: 0o700 }), catch: (cause) => fail(`cannot create the cert dir (${codeOf(cause)})`, cause) });
    const taken = new Set<string>();
    const certDir = tls.certDir;
    if (certDir !== undefined) {
      const entries = yield* Effect.tryPromise({
        try: () => readdir(certDir, { withFileTypes: true }),
        catch: (cause) => fail(`the cert dir ${certDir} cannot be read (${codeOf(cause)})`, cause),
      });
      for (const entry of entries) {
        // Anything named like a certificate or key must be one: a pipe or a directory is refused, not skipped.
        if (!CERT_DIR_FILE.test(entry.name)) continue;
        const source = join(certDir, entry.name);
        const content = yield* readPem(source).pipe(Effect.mapError((reason) => fail(`${source} ${reason}`)));
        yield* Effect.tryPromise({
          try: () => writeFile(join(target, entry.name), content, { flag: "wx", mode: 0o600 }),
          catch: (cause) => fail(`cannot copy ${source} into the cert dir (${codeOf(cause)})`, cause),
        });
        taken.add(entry.name);
      }
    }
    const caFile = tls.caFile;
    if (caFile !== undefined) {
      const pem = yield* readPem(caFile).pipe(Effect.mapError((reason) => fail(`the CA file ${caFile} ${reason}`)));
      if (!pem.includes(PEM_CERTIFICATE)) return yield* fail(`the CA file ${caFile} holds no PEM certificate`);
      const name = taken.has("ca.crt") ? "skopush-ca.crt" : "ca.crt";
      yield* Effect.tryPromise({
        try: () => writeFile(join(target, name), pem, { flag: "wx", mode: 0o600 }),
        catch: (cause) => fail(`cannot write the CA into the cert dir (${codeOf(cause)})`, cause),
      });
    }
    return join(workspace.skopeoPath, CERT_DIR_NAME);
  });
};
