import { access, constants, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ArchiveInvalid, ImageReference, InvalidReference, parseRegistryEndpoint, type RegistryEndpoint } from "@skopush/core";
// The subpath, not "skopush": a bad destination is reported without loading the strategies.
import { harborImageReferenceOrThrow } from "skopush/harbor-reference";
import type { DestinationInput } from "../args/push-arguments.js";
import { UsageError } from "../usage-error.js";

/** The destination as a validated reference, and the scheme its Harbor URL named. */
export const resolveDestination = (
  input: DestinationInput,
): { readonly destination: ImageReference; readonly scheme: "http" | "https"; readonly harborUrl: string } => {
  if (input.kind === "reference") {
    const destination = ImageReference.parseOrThrow(input.reference);
    if (input.harborUrl === undefined) return { destination, scheme: "https", harborUrl: `https://${destination.registry}` };
    // Harbor's API elsewhere: the registry keeps https, whatever the API's scheme.
    return { destination, scheme: "https", harborUrl: harborApiUrl(input.harborUrl) };
  }
  const destination = harborImageReferenceOrThrow(input);
  const endpoint = parseRegistryEndpoint(input.harborUrl) as RegistryEndpoint;
  return { destination, scheme: endpoint.scheme, harborUrl: `${endpoint.scheme}://${endpoint.host}` };
};

const harborApiUrl = (url: string): string => {
  const endpoint = parseRegistryEndpoint(url);
  if (endpoint instanceof InvalidReference) throw endpoint;
  return `${endpoint.scheme}://${endpoint.host}`;
};

/** Fails with `ArchiveInvalid` unless `path` is a file or a directory (an OCI layout) we can stat. */
export const checkArchive = async (path: string): Promise<void> => {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ArchiveInvalid({
      path,
      reason: code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? "error"})`,
      fix: code === "ENOENT" ? "check the path; create the archive with docker save -o image.tar <image>" : "check its permissions",
    });
  }
  if (!info.isFile() && !info.isDirectory()) {
    throw new ArchiveInvalid({ path, reason: "is not a file", fix: "pass the image archive's file (what docker save -o writes), or an OCI layout directory" });
  }
};

/** Fails with a usage error unless the file a flag names exists (`--ca-cert`, `--cert-dir`). */
export const checkFlagPath = async (flag: string, path: string | undefined, kind: "file" | "directory", what = ""): Promise<void> => {
  if (path === undefined) return;
  const info = await stat(path).catch(() => undefined);
  const ok = kind === "file" ? info?.isFile() : info?.isDirectory();
  if (!ok) throw new UsageError({ reason: `${what ? `${what} ` : ""}${flag} ${JSON.stringify(path)} is not a readable ${kind}`, command: "push" });
};

/**
 * Fails with a usage error unless `--digestfile` can be written: an existing file this user may write, or a
 * new one in a directory it may write to. Checked before the push, so bad input never lands an image first.
 */
export const checkDigestFile = async (path: string | undefined): Promise<void> => {
  if (path === undefined) return;
  const fail = (reason: string) => new UsageError({ reason: `--digestfile ${JSON.stringify(path)} ${reason}`, command: "push" });
  const info = await stat(path).catch(() => undefined);
  if (info !== undefined) {
    if (!info.isFile()) throw fail("is not a file");
    if (!(await access(path, constants.W_OK).then(() => true, () => false))) throw fail("cannot be written by this user");
    return;
  }
  const directory = dirname(path);
  const parent = await stat(directory).catch(() => undefined);
  if (!parent?.isDirectory()) throw fail(`cannot be created: ${JSON.stringify(directory)} is not a directory`);
  if (!(await access(directory, constants.W_OK | constants.X_OK).then(() => true, () => false))) {
    throw fail(`cannot be created: this user cannot write to ${JSON.stringify(directory)}`);
  }
};
