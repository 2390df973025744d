import { ImageReference, defaultRetrySettings, defaultTlsSettings, type PushRequest } from "@skopush/core";

/** A request whose archive and registry no fake ever touches. */
export const request = (overrides: Partial<PushRequest> = {}): PushRequest => ({
  archive: { path: "/nonexistent/image.tar" },
  destination: ImageReference.parseOrThrow("registry.test/proj/app:v1"),
  tls: defaultTlsSettings,
  retry: defaultRetrySettings,
  ...overrides,
});
