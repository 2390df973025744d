import { statSync } from "node:fs";
import { basename } from "node:path";
import type { WatchedEntry } from "./directory-watcher.js";

/** The forms a password leaks in: itself, and the base64 `user:pass` of an auth header or auth file. */
export const secretForms = (username: string, password: string): string[] => [password, Buffer.from(`${username}:${password}`).toString("base64")];

/** The texts holding a secret, each with every secret masked and cut at 300 characters, for a readable failure. */
export const textsHoldingSecrets = (texts: ReadonlyArray<string>, secrets: ReadonlyArray<string>): string[] =>
  texts
    .filter((text) => secrets.some((secret) => secret.length > 0 && text.includes(secret)))
    .map((text) => secrets.reduce((masked, secret) => masked.split(secret).join("<secret>"), text).slice(0, 300));

/**
 * The paths among `entries` that someone other than their owner could read or enter, at any moment they
 * were seen. Not counted: links, hard links to the user's own `archive` (their mode is the archive's, which
 * skopush must not change) and a container probe's marker (random text, readable on purpose by a container
 * running as another user).
 */
export const pathsOpenToOthers = (entries: ReadonlyArray<WatchedEntry>, archive: string): string[] => {
  const archiveInode = statSync(archive).ino;
  return entries
    .filter((entry) => entry.type !== "symlink" && entry.ino !== archiveInode && !basename(entry.path).startsWith(".skopush-probe-"))
    .flatMap((entry) => entry.modes.filter((mode) => (mode & 0o077) !== 0).map((mode) => `${entry.path} (${entry.type}, ${mode.toString(8)})`));
};
