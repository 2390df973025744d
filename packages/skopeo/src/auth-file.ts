import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { EnvironmentFault, type Credentials } from "@skopush/core";
import * as Effect from "effect/Effect";
import * as Redacted from "effect/Redacted";
import type * as Scope from "effect/Scope";
import type { Workspace } from "./skopeo-host.js";
import { CREATE_NEW_FILE } from "./workspace.js";

/** The authfile's name inside the workspace. */
export const AUTH_FILE_NAME = "auth.json";

/**
 * The containers-auth.json(5) document that gives `credentials` for `registry` (`host[:port]`, the key
 * skopeo looks up for every repository on that host). The username is kept byte for byte, so a Harbor
 * robot such as `robot$project+ci` reaches the registry intact.
 */
export const authFileContent = (registry: string, credentials: Credentials): string =>
  `${JSON.stringify({
    auths: {
      [registry]: { auth: Buffer.from(`${credentials.username}:${Redacted.value(credentials.password)}`, "utf8").toString("base64") },
    },
  })}\n`;

/** Where an authfile was written. */
export interface AuthFile {
  readonly hostPath: string;
  /** The path to pass to skopeo's `--dest-authfile`. */
  readonly skopeoPath: string;
}

/** Where a workspace's authfile is: on this host, and as skopeo sees it. */
export const authFilePaths = (workspace: Workspace): AuthFile => ({
  hostPath: join(workspace.hostPath, AUTH_FILE_NAME),
  skopeoPath: join(workspace.skopeoPath, AUTH_FILE_NAME),
});

/**
 * Writes the authfile for `registry` into the workspace (through its pinned path): created with mode 0600
 * in the same call that creates it (`O_EXCL|O_NOFOLLOW`, so an existing file or link is never reused),
 * and removed when the scope closes, whether the push succeeded, failed or was interrupted.
 */
export const writeAuthFile = (
  strategy: string,
  workspace: Workspace,
  registry: string,
  credentials: Credentials,
): Effect.Effect<AuthFile, EnvironmentFault, Scope.Scope> => {
  const { hostPath, skopeoPath } = authFilePaths(workspace);
  const pinnedPath = join(workspace.pinnedPath, AUTH_FILE_NAME);
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const handle = await open(pinnedPath, CREATE_NEW_FILE, 0o600);
        try {
          await handle.writeFile(authFileContent(registry, credentials), "utf8");
        } finally {
          await handle.close();
        }
        return { hostPath, skopeoPath };
      },
      catch: (cause) =>
        new EnvironmentFault({
          strategy,
          reason: `cannot write the registry authfile in ${workspace.hostPath} (${(cause as { code?: string }).code ?? String(cause)})`,
          fix: "make the temp directory writable",
          cause,
        }),
    }),
    () => Effect.promise(() => rm(pinnedPath, { force: true }).catch(() => undefined)),
  );
};
