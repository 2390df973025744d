import type { Credentials } from "@skopush/core";
import * as Redacted from "effect/Redacted";
import type { Authorization } from "../transport/transport.js";

/** `Authorization: Basic …` for `credentials` (RFC 7617, UTF-8). */
export const basicAuthorization = (credentials: Credentials): Authorization => ({
  header: `Basic ${Buffer.from(`${credentials.username}:${Redacted.value(credentials.password)}`, "utf8").toString("base64")}`,
  username: credentials.username,
});
