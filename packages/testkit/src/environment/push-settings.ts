import { makeCredentials, type PushRequest } from "@skopush/core";
import type { TestRegistry } from "./state.js";

/** How a push reaches `registry`: its account, if it has one, and TLS verified against the test CA (plain http unverified). */
export const pushSettingsFor = (registry: TestRegistry): Pick<PushRequest, "credentials" | "tls"> => ({
  credentials: registry.credentials && makeCredentials(registry.credentials.username, registry.credentials.password),
  tls: registry.scheme === "https" ? { verify: true, caFile: registry.caFile } : { verify: false },
});
