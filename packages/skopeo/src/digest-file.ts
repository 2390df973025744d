import { open } from "node:fs/promises";
import { join } from "node:path";
import { EnvironmentFault } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { Workspace } from "./skopeo-host.js";
import { CREATE_NEW_FILE, READ_OWN_FILE } from "./workspace.js";

/** The digest file's name inside the workspace. */
export const DIGEST_FILE_NAME = "digest";

const MANIFEST_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The digest file's paths: where skopeo writes it, where this process reads it (through the pinned workspace). */
export const digestFilePaths = (workspace: Workspace) => ({
  hostPath: join(workspace.pinnedPath, DIGEST_FILE_NAME),
  skopeoPath: join(workspace.skopeoPath, DIGEST_FILE_NAME),
});

// A digest file holds one digest and a newline; anything longer is not skopeo's.
const DIGEST_FILE_MAX_BYTES = 1024;

/**
 * Creates the empty digest file with mode 0600 for a skopeo that runs on this host, which writes it with
 * mode 0644 and keeps the mode of a file that exists. (In a container the wrapper's umask does this.)
 */
export const createPrivateDigestFile = (strategy: string, hostPath: string): Effect.Effect<void, EnvironmentFault> =>
  Effect.tryPromise({
    try: async () => (await open(hostPath, CREATE_NEW_FILE, 0o600)).close(),
    catch: (cause) =>
      new EnvironmentFault({
        strategy,
        reason: `cannot create the digest file in the push's working directory (${(cause as { code?: string }).code ?? String(cause)})`,
        fix: "make the temp directory writable",
        cause,
      }),
  });

/** The manifest digest in a `--digestfile` text, or `undefined` when it is not one. */
export const parseDigestFile = (text: string): string | undefined => {
  const digest = text.trim();
  return MANIFEST_DIGEST.test(digest) ? digest : undefined;
};

const noDigestFile = (strategy: string, detail: string, cause?: unknown) =>
  new EnvironmentFault({ strategy, reason: `skopeo exited successfully but wrote no digest file (${detail})`, fix: "use skopeo 1.4 or later", cause });

/**
 * Reads the manifest digest skopeo wrote with `--digestfile` after a successful copy. A missing or
 * malformed file after exit code 0 means the skopeo at hand does not behave as skopush expects.
 */
export const readDigestFile = (strategy: string, hostPath: string): Effect.Effect<string, EnvironmentFault> =>
  Effect.tryPromise({
    try: async () => {
      // Never through a link, never blocking on something that is not a regular file, never more than a digest's worth.
      const handle = await open(hostPath, READ_OWN_FILE);
      try {
        const buffer = Buffer.alloc(DIGEST_FILE_MAX_BYTES);
        const { bytesRead } = (await handle.stat()).isFile() ? await handle.read(buffer, 0, buffer.length, 0) : { bytesRead: 0 };
        return buffer.subarray(0, bytesRead).toString("utf8");
      } finally {
        await handle.close();
      }
    },
    catch: (cause) => noDigestFile(strategy, (cause as { code?: string }).code ?? String(cause), cause),
  }).pipe(
    Effect.flatMap((text) => {
      // Empty: the file created for skopeo (createPrivateDigestFile), never written.
      if (text.trim() === "") return Effect.fail(noDigestFile(strategy, "it is empty"));
      const digest = parseDigestFile(text);
      return digest === undefined
        ? Effect.fail(
            new EnvironmentFault({
              strategy,
              reason: `skopeo wrote a digest file that holds no sha256 digest: ${JSON.stringify(text.slice(0, 100))}`,
            }),
          )
        : Effect.succeed(digest);
    }),
  );
