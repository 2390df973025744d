import { randomBytes } from "node:crypto";
import { defaultRetrySettings, ImageReference, makeCredentials, type PushRequest } from "@skopush/core";
import type { TestRegistry } from "./state.js";

/** How a push reaches `registry`: its account, if it has one, and TLS verified against the test CA (plain http unverified). */
export const pushSettingsFor = (registry: TestRegistry): Pick<PushRequest, "credentials" | "tls"> => ({
  credentials: registry.credentials && makeCredentials(registry.credentials.username, registry.credentials.password),
  tls: registry.scheme === "https" ? { verify: true, caFile: registry.caFile } : { verify: false },
});

/** A push of `archive` to a fresh repository `it/<label>-<random>:v1` of `registry`, without retries. */
export const testPushRequest = (registry: TestRegistry, archive: string, label: string, overrides: Partial<PushRequest> = {}): PushRequest => ({
  archive: { path: archive },
  destination: ImageReference.parseOrThrow(`${registry.host}/it/${label}-${randomBytes(4).toString("hex")}:v1`),
  ...pushSettingsFor(registry),
  retry: { ...defaultRetrySettings, times: 0 },
  ...overrides,
});
