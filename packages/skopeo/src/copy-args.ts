import type { ImageReference, ManifestFormat } from "@skopush/core";

/** skopeo's source transports for image archives. `oci` reads an OCI layout directory. */
export type SkopeoSourceTransport = "docker-archive" | "oci-archive" | "oci";

/** The image skopeo reads: a transport and the path skopeo sees. */
export interface SkopeoSource {
  readonly transport: SkopeoSourceTransport;
  /** Absolute, as skopeo sees it; never contains `:`, which ends the path in skopeo's syntax. */
  readonly path: string;
}

/** Everything `skopeo copy` is told, as paths skopeo sees. No field ever holds a secret. */
export interface CopyArgsInput {
  readonly source: SkopeoSource;
  /** Validated, so its text is safe on a command line. */
  readonly destination: ImageReference;
  /** `--dest-authfile`; without it the push is anonymous (`--dest-no-creds`). */
  readonly authFile?: string | undefined;
  /** `--dest-cert-dir`. */
  readonly certDir?: string | undefined;
  /** `--dest-tls-verify`, always written out. */
  readonly tlsVerify: boolean;
  /** `--retry-times`. */
  readonly retryTimes: number;
  /** `--digestfile`: where skopeo writes the manifest digest. */
  readonly digestFile: string;
  /** `--format`; the source's own format when absent. */
  readonly manifestFormat?: ManifestFormat | undefined;
}

/** `transport:path`, refusing a path skopeo would cut at a `:`. */
export const sourceArgument = (source: SkopeoSource): string => {
  if (source.path.includes(":")) {
    throw new Error(`skopeo source path ${JSON.stringify(source.path)} contains ':'; stage the archive first`);
  }
  if (!source.path.startsWith("/")) throw new Error(`skopeo source path ${JSON.stringify(source.path)} must be absolute`);
  return `${source.transport}:${source.path}`;
};

/**
 * `docker://name:tag`, or `docker://name@digest` for a digest-only reference. skopeo refuses a reference
 * with both, so a tag wins; the caller checks the pushed digest against the reference's.
 */
export const destinationArgument = (destination: ImageReference): string =>
  `docker://${destination.name}${destination.tag !== undefined ? `:${destination.tag}` : destination.digest !== undefined ? `@${destination.digest}` : ":latest"}`;

/**
 * The argv of `skopeo copy` (after the program name). Credentials only ever travel in the authfile:
 * there is no `--dest-creds`, `--dest-password` or `--creds` here, because argv is readable by every
 * local user in `/proc/<pid>/cmdline`. Without an authfile the push is explicitly anonymous, so skopeo
 * never picks up another login from the user's own auth files.
 */
export const copyArgs = (input: CopyArgsInput): string[] => {
  if (!Number.isInteger(input.retryTimes) || input.retryTimes < 0) {
    throw new Error(`retryTimes must be a non-negative integer, got ${input.retryTimes}`);
  }
  return [
    "copy",
    "--retry-times",
    String(input.retryTimes),
    `--dest-tls-verify=${input.tlsVerify ? "true" : "false"}`,
    ...(input.authFile !== undefined ? ["--dest-authfile", input.authFile] : ["--dest-no-creds"]),
    ...(input.certDir !== undefined ? ["--dest-cert-dir", input.certDir] : []),
    "--digestfile",
    input.digestFile,
    ...(input.manifestFormat !== undefined ? ["--format", input.manifestFormat] : []),
    sourceArgument(input.source),
    destinationArgument(input.destination),
  ];
};
