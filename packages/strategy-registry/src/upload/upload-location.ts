import type { HttpResponse } from "@skopush/registry-client";

/**
 * The upload URL a response names. `Location` may be absolute or relative (resolved against the URL
 * that answered) and is otherwise opaque: every query parameter (distribution's `_state`) is kept.
 * `undefined` when the response has none.
 */
export const uploadLocation = (response: Pick<HttpResponse, "headers" | "url">): URL | undefined => {
  const location = response.headers.location;
  if (location === undefined || location === "") return undefined;
  try {
    return new URL(location, response.url);
  } catch {
    return undefined;
  }
};

/** The URL that closes an upload: the latest `Location` with `digest` appended (never replacing what is there). */
export const withDigest = (location: URL, digest: string): URL => {
  const url = new URL(location);
  url.searchParams.append("digest", digest);
  return url;
};
