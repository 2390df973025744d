import { ImageReference } from "@skopush/core";

const canonical = (reference: string): string | undefined => {
  try {
    const parsed = ImageReference.parseOrThrow(reference);
    return `${parsed.name}:${parsed.tag ?? "latest"}`;
  } catch {
    return undefined;
  }
};

/**
 * True when two references name the same repository and tag once normalised as docker does
 * (`app:v1` = `docker.io/library/app:v1`; no tag = `latest`), as skopeo matches `docker-archive:<path>:<ref>`.
 */
export const sameReference = (a: string, b: string): boolean => {
  if (a === b) return true;
  const left = canonical(a);
  return left !== undefined && left === canonical(b);
};

/** A push's destination, as far as choosing an image of an archive goes. */
export interface DestinationName {
  /** The path below the registry, e.g. `project/app`. */
  readonly repository: string;
  /** `latest` when the destination names none. */
  readonly tag: string | undefined;
}

/**
 * True when `name` (a RepoTag, or an OCI ref name) names the destination: the same tag, and the same
 * repository path or the same last path component (`app:v1` names `harbor.example/project/app:v1`).
 * A bare OCI ref name (`v1`, as `skopeo copy … oci-archive:<path>:v1` writes) is compared as a tag.
 */
export const namesDestination = (name: string, destination: DestinationName): boolean => {
  const wantedTag = destination.tag ?? "latest";
  if (!name.includes("/") && !name.includes(":")) return name === wantedTag;
  let parsed: ImageReference;
  try {
    parsed = ImageReference.parseOrThrow(name);
  } catch {
    return false;
  }
  if ((parsed.tag ?? "latest") !== wantedTag) return false;
  const last = (path: string): string => path.split("/").at(-1) ?? path;
  return parsed.repository === destination.repository || last(parsed.repository) === last(destination.repository);
};
