import { ImageReference, InvalidReference, parseRegistryEndpoint } from "@skopush/core";
import * as Effect from "effect/Effect";

/** The parts a Harbor user knows: the Harbor URL, a project, a repository and a tag. */
export interface HarborImageParts {
  /** `https://harbor.example.com`, `http://10.0.0.5:8080` or a bare `host[:port]` (https assumed). */
  readonly harborUrl: string;
  readonly project: string;
  /** One or more path components below the project, e.g. `app` or `team/app`. */
  readonly repository: string;
  /** @default "latest" */
  readonly tag?: string | undefined;
}

// Harbor's project names: stricter than a path component (no `__`).
const HARBOR_PROJECT = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const PROJECT_MAX_LENGTH = 255;

/** Builds the reference of `project/repository:tag` on a Harbor instance, validating every part. */
export const harborImageReference = (parts: HarborImageParts): Effect.Effect<ImageReference, InvalidReference> =>
  Effect.suspend(() => {
    const result = decodeHarbor(parts);
    return result instanceof InvalidReference ? Effect.fail(result) : Effect.succeed(result);
  });

/** {@link harborImageReference} for code outside Effect: throws `InvalidReference`. */
export const harborImageReferenceOrThrow = (parts: HarborImageParts): ImageReference => {
  const result = decodeHarbor(parts);
  if (result instanceof InvalidReference) throw result;
  return result;
};

const invalid = (input: string, part: "project" | "repository" | "tag", reason: string) => new InvalidReference({ input, part, reason });

const decodeHarbor = (parts: HarborImageParts): ImageReference | InvalidReference => {
  const endpoint = parseRegistryEndpoint(parts.harborUrl);
  if (endpoint instanceof InvalidReference) return endpoint;
  const project = parts.project;
  if (project.length === 0) return invalid(project, "project", "is empty");
  if (project !== project.toLowerCase()) return invalid(project, "project", "must be lowercase");
  if (!HARBOR_PROJECT.test(project)) {
    return invalid(project, "project", "must be lowercase letters and digits, separated by '.', '_' or '-'");
  }
  if (project.length > PROJECT_MAX_LENGTH) return invalid(project, "project", `is longer than ${PROJECT_MAX_LENGTH} characters`);
  if (parts.repository.length === 0) return invalid(parts.repository, "repository", "is empty");
  const tag = parts.tag ?? "latest";
  // A separator in the tag would move the reference's boundaries; the grammar's own check names the tag.
  if (/\s/.test(tag)) return invalid(tag, "tag", "contains whitespace");
  if (/[/:@]/.test(tag)) return invalid(tag, "tag", "may only contain letters, digits, '_', '.' and '-'");
  try {
    return ImageReference.parseOrThrow(`${endpoint.host}/${project}/${parts.repository}:${tag}`);
  } catch (error) {
    if (!(error instanceof InvalidReference)) throw error;
    // The tag alone, as the caller wrote it, is what a tag error names.
    return error.part === "tag" ? invalid(tag, "tag", error.reason) : error;
  }
};
