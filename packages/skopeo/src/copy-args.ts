import type { ImageReference, ManifestFormat } from "@skopush/core";

/** skopeo's source transports for image archives. `oci` reads an OCI layout directory. */
export type SkopeoSourceTransport = "docker-archive" | "oci-archive" | "oci";

/** The image skopeo reads: a transport and the path skopeo sees. */
export interface SkopeoSource {
  readonly transport: SkopeoSourceTransport;
  /** Absolute, as skopeo sees it; never contains `:`, which ends the path in skopeo's syntax. */
  readonly path: string;
  /**
   * Which image of an archive holding several: a RepoTag (`docker-archive:<path>:<ref>`) or an OCI ref
   * name (`oci-archive:<path>:<ref>`). Absent for an archive of one image.
   */
  readonly reference?: string | undefined;
}

/** A platform to choose from an image index, as skopeo's global `--override-os/--override-arch/--override-variant` say. */
export interface SkopeoPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string | undefined;
}

/** `os/architecture[/variant]` as a {@link SkopeoPlatform}; undefined when it is not of that shape. */
export const parsePlatform = (text: string): SkopeoPlatform | undefined => {
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !/^[a-z0-9][a-z0-9._-]*$/.test(part))) return undefined;
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return { os, architecture, variant };
};

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
  /** `--all`: the source is an image index, pushed with every image it lists. */
  readonly all?: boolean | undefined;
  /** The platform to take from an image index (skopeo's global `--override-*` options, before `copy`). */
  readonly platform?: SkopeoPlatform | undefined;
  /** `--dest-compress-format`: what skopeo compresses layers to; its default (gzip) when absent. */
  readonly compressFormat?: SkopeoCompressFormat | undefined;
}

/** The layer compressions skopeo writes to a registry (it always compresses; there is no "none" for a registry). */
export type SkopeoCompressFormat = "gzip" | "zstd";

/** `transport:path`, refusing a path skopeo would cut at a `:`. */
export const sourceArgument = (source: SkopeoSource): string => {
  if (source.path.includes(":")) {
    throw new Error(`skopeo source path ${JSON.stringify(source.path)} contains ':'; stage the archive first`);
  }
  if (!source.path.startsWith("/")) throw new Error(`skopeo source path ${JSON.stringify(source.path)} must be absolute`);
  if (source.reference !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(source.reference)) {
    throw new Error(`skopeo source reference ${JSON.stringify(source.reference)} is not a valid image name`);
  }
  return `${source.transport}:${source.path}${source.reference === undefined ? "" : `:${source.reference}`}`;
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
  const platform = input.platform;
  if (platform !== undefined && parsePlatform([platform.os, platform.architecture, platform.variant].filter(Boolean).join("/")) === undefined) {
    throw new Error(`platform ${JSON.stringify(platform)} is not os/architecture[/variant]`);
  }
  return [
    ...(platform === undefined
      ? []
      : ["--override-os", platform.os, "--override-arch", platform.architecture, ...(platform.variant === undefined ? [] : ["--override-variant", platform.variant])]),
    "copy",
    "--retry-times",
    String(input.retryTimes),
    `--dest-tls-verify=${input.tlsVerify ? "true" : "false"}`,
    ...(input.authFile !== undefined ? ["--dest-authfile", input.authFile] : ["--dest-no-creds"]),
    ...(input.certDir !== undefined ? ["--dest-cert-dir", input.certDir] : []),
    "--digestfile",
    input.digestFile,
    ...(input.manifestFormat !== undefined ? ["--format", input.manifestFormat] : []),
    ...(input.all === true ? ["--all"] : []),
    ...(input.compressFormat !== undefined ? ["--dest-compress-format", input.compressFormat] : []),
    sourceArgument(input.source),
    destinationArgument(input.destination),
  ];
};
