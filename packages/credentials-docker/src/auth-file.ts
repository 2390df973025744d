import { CredentialsError } from "@skopush/core";

/** What one `auths` entry holds once decoded. */
export type AuthEntryValue =
  /** A username and password (from `auth`, or docker's separate `username`/`password` fields). */
  | { readonly kind: "password"; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token; Harbor neither issues nor accepts these. */
  | { readonly kind: "identity-token" }
  /** `{}` or an empty `auth`: the secret lives in a credential helper, or nowhere. */
  | { readonly kind: "empty" };

/** One `auths` entry, under the key exactly as the file spells it. */
export interface AuthEntry {
  readonly key: string;
  readonly value: AuthEntryValue;
}

/** A docker `config.json` or containers `auth.json`, shape-checked and with every `auth` decoded. */
export interface AuthFile {
  /** The file's path, or the environment variable it came from. */
  readonly source: string;
  readonly auths: ReadonlyArray<AuthEntry>;
  /** Docker's default credential helper; containers `auth.json` files do not support it. */
  readonly credsStore?: string | undefined;
  readonly credHelpers: ReadonlyArray<{ readonly key: string; readonly helper: string }>;
}

/** Which program's reading rules apply. */
export type AuthFileFlavour = "docker" | "containers";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const describe = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`);

/**
 * Parses and checks a credentials file. Never echoes the file's content: messages name the file and
 * the field that is wrong, because the content holds secrets.
 */
export const parseAuthFile = (source: string, text: string, flavour: AuthFileFlavour): AuthFile | CredentialsError => {
  const fail = (reason: string, fix?: string) =>
    new CredentialsError({ source, reason, fix: fix ?? "fix or remove the file (log in again to rewrite it)" });
  // docker reads an empty file as an empty configuration.
  if (text.trim().length === 0) return { source, auths: [], credHelpers: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON${jsonErrorPosition(text, error)}`);
  }
  if (!isObject(json)) return fail(`must hold a JSON object, found ${describe(json)}`);

  const auths: AuthEntry[] = [];
  const rawAuths = json["auths"];
  if (rawAuths !== undefined && rawAuths !== null) {
    if (!isObject(rawAuths)) return fail(`"auths" must be an object, found ${describe(rawAuths)}`);
    for (const [key, entry] of Object.entries(rawAuths)) {
      const value = decodeEntry(key, entry, flavour);
      if (typeof value === "string") return fail(value);
      auths.push({ key, value });
    }
  }

  let credsStore: string | undefined;
  const rawStore = json["credsStore"];
  // containers/image ignores credsStore; so do we for auth.json, without judging its shape.
  if (flavour === "docker" && rawStore !== undefined && rawStore !== null && rawStore !== "") {
    if (typeof rawStore !== "string") return fail(`"credsStore" must be a string, found ${describe(rawStore)}`);
    if (!HELPER_NAME.test(rawStore)) return fail(`"credsStore" ${JSON.stringify(rawStore)} is not a valid helper name`);
    credsStore = rawStore;
  }

  const credHelpers: { key: string; helper: string }[] = [];
  const rawHelpers = json["credHelpers"];
  if (rawHelpers !== undefined && rawHelpers !== null) {
    if (!isObject(rawHelpers)) return fail(`"credHelpers" must be an object, found ${describe(rawHelpers)}`);
    for (const [key, helper] of Object.entries(rawHelpers)) {
      if (typeof helper !== "string") return fail(`credHelpers[${JSON.stringify(key)}] must be a string, found ${describe(helper)}`);
      if (!HELPER_NAME.test(helper)) {
        return fail(`credHelpers[${JSON.stringify(key)}] ${JSON.stringify(helper)} is not a valid helper name`);
      }
      credHelpers.push({ key, helper });
    }
  }
  return { source, auths, credsStore, credHelpers };
};

/** Decodes one `auths` entry, or returns what is wrong with it. */
const decodeEntry = (key: string, entry: unknown, flavour: AuthFileFlavour): AuthEntryValue | string => {
  const at = `auths[${JSON.stringify(key)}]`;
  if (!isObject(entry)) return `${at} must be an object, found ${describe(entry)}`;
  for (const field of ["auth", "identitytoken", "username", "password"] as const) {
    const value = entry[field];
    if (value !== undefined && value !== null && typeof value !== "string") {
      return `${at}.${field} must be a string, found ${describe(value)}`;
    }
  }
  const identityToken = entry["identitytoken"] as string | undefined | null;
  if (identityToken) return { kind: "identity-token" };
  const auth = entry["auth"] as string | undefined | null;
  if (auth) return decodeAuth(at, auth);
  if (flavour === "docker") {
    const username = (entry["username"] as string | undefined | null) ?? "";
    const password = (entry["password"] as string | undefined | null) ?? "";
    if (username !== "" || password !== "") {
      if (username === "") return `${at} has a password but an empty username`;
      return { kind: "password", username, password };
    }
  }
  return { kind: "empty" };
};

/**
 * Decodes `auth`: standard base64 of `username:password`, split on the first `:` (secrets may contain
 * `:`), trailing NUL bytes trimmed from the password as docker does.
 */
export const decodeAuth = (at: string, auth: string): AuthEntryValue | string => {
  const compact = auth.replace(/[\r\n]/g, "");
  if (!BASE64.test(compact)) return `${at}.auth is not valid base64`;
  const decoded = Buffer.from(compact, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return `${at}.auth does not decode to "username:password" (no ':' found)`;
  const username = decoded.slice(0, colon);
  if (username.length === 0) return `${at}.auth has an empty username`;
  return { kind: "password", username, password: decoded.slice(colon + 1).replace(/\0+$/, "") };
};

/** ` at line L, column C` from a JSON.parse error, without quoting the text (it may hold secrets). */
const jsonErrorPosition = (text: string, error: unknown): string => {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : "");
  if (!match) return "";
  const offset = Number(match[1]);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return ` (line ${line}, column ${column})`;
};
