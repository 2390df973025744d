import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CERTIFICATE_FILE_MAX_BYTES, readConfigFile } from "@skopush/config-files";
import { isPushError, type TlsSettings } from "@skopush/core";
import { parsePushArguments } from "../args/push-arguments.js";
import { readPasswordFromStdin } from "../args/read-password.js";
import type { CliIo } from "../cli-io.js";
import { UsageError } from "../usage-error.js";
import { checkArchive, checkDigestFile, checkFlagPath, resolveDestination } from "./check-inputs.js";
import type { PushPlan } from "./push-composition.js";

/** A failure found before anything was pushed: exit 2. */
export interface InputFailure {
  readonly error: { readonly _tag: string; readonly message: string };
  /** The destination, when it parsed. */
  readonly image?: string | undefined;
}

/** What {@link preparePush} found: a plan to push, a request for help, or an input error. */
export type Prepared = { readonly kind: "plan"; readonly plan: PushPlan } | { readonly kind: "help" } | ({ readonly kind: "input" } & InputFailure);

/** The CA certificates of a certs.d-style directory, for Harbor's API client (which takes PEM text, not a directory). */
const certDirCas = async (certDir: string | undefined): Promise<string | undefined> => {
  if (certDir === undefined) return undefined;
  const files = (await readdir(certDir)).filter((name) => name.endsWith(".crt")).sort();
  if (files.length === 0) return undefined;
  const pems = await Promise.all(
    files.map(async (name) => {
      const read = await readConfigFile(join(certDir, name), { maxBytes: CERTIFICATE_FILE_MAX_BYTES });
      if (read.state === "read") return read.bytes.toString("utf8");
      throw new UsageError({ reason: `--cert-dir: ${join(certDir, name)} ${read.state === "missing" ? "cannot be read" : read.reason}`, command: "push" });
    }),
  );
  return pems.join("\n");
};

/**
 * Everything `skopush push` checks before it pushes: the flags, the destination's grammar, that the
 * archive and the CA files exist, and the password on stdin. Nothing here touches a registry.
 */
export const preparePush = async (argv: ReadonlyArray<string>, io: CliIo): Promise<Prepared> => {
  let image: string | undefined;
  try {
    const args = parsePushArguments(argv);
    if (args === "help") return { kind: "help" };
    const { destination, scheme, harborUrl } = resolveDestination(args.destination);
    image = destination.toString();
    await checkArchive(args.archive);
    await checkFlagPath("--ca-cert", args.caCert, "file");
    await checkFlagPath("--cert-dir", args.certDir, "directory");
    await checkFlagPath("--authfile", args.authFile, "file");
    await checkDigestFile(args.digestFile === undefined ? undefined : resolve(args.digestFile));
    const password = args.passwordStdin ? await readPasswordFromStdin(io.stdin) : undefined;
    const tls: TlsSettings = { verify: !args.insecure && scheme !== "http", caFile: args.caCert, certDir: args.certDir };
    const harborCa = args.ensureProject || args.ephemeralRobot ? await certDirCas(args.certDir) : undefined;
    return { kind: "plan", plan: { args, destination, password, tls, scheme, harborUrl, harborCa, env: io.env } };
  } catch (error) {
    if (error instanceof UsageError || isPushError(error)) return { kind: "input", error, image };
    throw error;
  }
};
