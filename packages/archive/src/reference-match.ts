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
