/** A skopeo release, as `skopeo --version` reports it. */
export interface SkopeoVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** As printed, e.g. `1.9.3`. */
  readonly text: string;
}

/**
 * The oldest skopeo skopush accepts. Older releases lack `copy` flags it passes (`--retry-times` came in
 * the 1.2/1.3 series); skopush is tested with 1.9.3, the skopeo of Debian 12.
 */
export const MINIMUM_SKOPEO_VERSION: SkopeoVersion = { major: 1, minor: 4, patch: 0, text: "1.4.0" };

/** Parses `skopeo version 1.9.3` (and `skopeo version 1.14.2 commit: …`); `undefined` for anything else. */
export const parseSkopeoVersion = (output: string): SkopeoVersion | undefined => {
  const match = /\bskopeo version v?(\d+)\.(\d+)(?:\.(\d+))?/i.exec(output);
  if (!match) return undefined;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  return { major, minor, patch, text: `${major}.${minor}.${patch}` };
};

/** True when `version` is at least `minimum`. */
export const isAtLeast = (version: SkopeoVersion, minimum: SkopeoVersion = MINIMUM_SKOPEO_VERSION): boolean =>
  version.major !== minimum.major
    ? version.major > minimum.major
    : version.minor !== minimum.minor
      ? version.minor > minimum.minor
      : version.patch >= minimum.patch;
