import { readFileSync } from "node:fs";
import { Effect } from "effect";
import { TestEnvironmentError } from "./errors.js";
import type { Tools } from "./install.js";
import { runCommand } from "./run-command.js";

/** The second local user the trust-boundary tests act as: another user of the machine, with no rights of ours. */
export const OTHER_USER_NAME = "skopush-other";

/** A local user account, as the tests need it. */
export interface LocalUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The account named `name` in /etc/passwd, or undefined. */
export const findLocalUser = (name: string, passwd = "/etc/passwd"): LocalUser | undefined => {
  let text: string;
  try {
    text = readFileSync(passwd, "utf8");
  } catch {
    return undefined;
  }
  const fields = text.split("\n").map((line) => line.split(":")).find((entry) => entry[0] === name);
  if (fields === undefined || fields.length < 4) return undefined;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : undefined;
};

/** The command that creates the second user: a system account with its own group, no home, no login. */
export const createUserArgs = (name: string): ReadonlyArray<string> => [
  "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name,
];

/**
 * The second local user, created when missing (as root, with useradd; otherwise fails with the command to
 * run). Idempotent: an existing account is used as it is. Never the caller: it must not be root or us.
 */
export const ensureOtherUser = (tools: Pick<Tools, "useradd">, name = OTHER_USER_NAME): Effect.Effect<LocalUser, TestEnvironmentError> =>
  Effect.gen(function* () {
    let user = findLocalUser(name);
    if (user === undefined) {
      if (process.getuid?.() !== 0) {
        return yield* new TestEnvironmentError({
          step: "second user",
          reason: `the local user ${name} does not exist and only root can create it`,
          fix: `run: sudo useradd ${createUserArgs(name).join(" ")}`,
        });
      }
      // Two environments coming up at once may both try: the loser's "already exists" (exit 9) is fine.
      yield* runCommand("second user", tools.useradd, createUserArgs(name)).pipe(
        Effect.catchTag("TestEnvironmentError", (error) => (findLocalUser(name) ? Effect.void : Effect.fail(error))),
      );
      user = findLocalUser(name);
    }
    if (user === undefined) {
      return yield* new TestEnvironmentError({ step: "second user", reason: `useradd ran but ${name} is not in /etc/passwd`, fix: "check /etc/passwd and useradd's configuration" });
    }
    if (user.uid === 0 || user.uid === process.getuid?.()) {
      return yield* new TestEnvironmentError({ step: "second user", reason: `${name} has uid ${user.uid}, which is root or the user running the tests`, fix: `userdel ${name}; the environment creates it again` });
    }
    return user;
  });
