import { randomBytes } from "node:crypto";
import { Effect } from "effect";
import { TestEnvironmentError } from "./errors.js";
import type { Tools } from "./install.js";
import { runCommand } from "./run-command.js";

/** Username and password of a registry account. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** The test account's name: a Harbor robot name, so `$` and `+` are exercised everywhere it travels. */
export const ROBOT_USERNAME = "robot$skopush+ci";

/** A fresh random password that contains `:` and `$`, the characters naive credential handling breaks on. */
export const generatePassword = (): string =>
  `Sk:${randomBytes(12).toString("base64url")}$${randomBytes(6).toString("base64url")}`;

const BCRYPT_LINE = /^([^:\n]+):(\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53})$/;

/** The username of a bcrypt htpasswd line (`user:$2y$05$…`), or undefined for any other form. */
export const bcryptHtpasswdUser = (line: string): string | undefined => BCRYPT_LINE.exec(line.trim())?.[1];

/** Why `username` cannot appear in an htpasswd file, or undefined when it can. */
export const htpasswdUsernameProblem = (username: string): string | undefined => {
  if (username === "") return "is empty";
  if (/[:\r\n]/.test(username)) return "contains ':' or a line break";
  return undefined;
};

/**
 * A bcrypt htpasswd line for the account, from `htpasswd -nBi`: the password goes through stdin, never
 * argv. distribution honours only bcrypt entries; htpasswd's default cost (5) keeps per-request checks cheap.
 */
export const htpasswdLine = (tools: Tools, credentials: RegistryCredentials): Effect.Effect<string, TestEnvironmentError> =>
  Effect.gen(function* () {
    const problem = htpasswdUsernameProblem(credentials.username);
    if (problem) {
      return yield* new TestEnvironmentError({ step: "htpasswd", reason: `the username ${JSON.stringify(credentials.username)} ${problem}` });
    }
    const { stdout } = yield* runCommand("htpasswd", tools.htpasswd, ["-nBi", credentials.username], { stdin: credentials.password });
    const line = stdout.trim();
    if (bcryptHtpasswdUser(line) !== credentials.username) {
      return yield* new TestEnvironmentError({ step: "htpasswd", reason: "htpasswd did not print a bcrypt line for the user" });
    }
    return line;
  });
