import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import { TestEnvironmentError } from "./errors.js";
import type { Tools } from "./install.js";
import { runCommand } from "./run-command.js";
import { parseLddOutput, writeSkopeoRootfs } from "./skopeo-rootfs.js";

/** The image of the resident skopeo container, built locally from the host's skopeo (nothing can be pulled). */
export const SKOPEO_IMAGE = "skopush/skopeo:local";

/** The image label that records which skopeo version the image holds. */
export const SKOPEO_VERSION_LABEL = "org.skopush.skopeo-version";

/**
 * The label that records the layout of the image (which binaries it holds); raising {@link SKOPEO_IMAGE_REVISION}
 * rebuilds images made by an older layout.
 */
export const SKOPEO_IMAGE_REVISION_LABEL = "org.skopush.image-revision";

/**
 * Revision 2 adds `/bin/sh` and `rm` (quay.io/skopeo/stable has both), which the container strategies need to
 * stop skopeo and to clean up inside the container.
 */
export const SKOPEO_IMAGE_REVISION = "2";

/** The command the resident container runs: it idles until the strategies `docker exec` skopeo in it. */
export const SKOPEO_IMAGE_CMD = ["tail", "-f", "/dev/null"] as const;

/** The skopeo image and whether this run built it. */
export interface SkopeoImageState {
  readonly name: string;
  readonly id: string;
  readonly skopeoVersion: string;
}

/** `1.9.3` from `skopeo version 1.9.3`. */
export const parseSkopeoVersion = (output: string): string | undefined => /skopeo version (\S+)/.exec(output)?.[1];

const STEP = "skopeo-image";

const docker = (tools: Tools, socket: string, args: ReadonlyArray<string>, timeoutMs?: number) =>
  runCommand(STEP, tools.docker, ["-H", `unix://${socket}`, ...args], { timeoutMs });

const hostSkopeoVersion = (tools: Tools) =>
  runCommand(STEP, tools.skopeo, ["--version"]).pipe(
    Effect.flatMap(({ stdout }) => {
      const version = parseSkopeoVersion(stdout);
      return version
        ? Effect.succeed(version)
        : Effect.fail(new TestEnvironmentError({ step: STEP, reason: `cannot read the version in ${JSON.stringify(stdout)}` }));
    }),
  );

/** The id and skopeo version label of an existing image, or undefined when there is none. */
const inspect = (tools: Tools, socket: string) =>
  docker(tools, socket, ["image", "inspect", "--format", `{{.Id}} {{index .Config.Labels "${SKOPEO_VERSION_LABEL}"}} {{index .Config.Labels "${SKOPEO_IMAGE_REVISION_LABEL}"}}`, SKOPEO_IMAGE]).pipe(
    Effect.map(({ stdout }) => {
      const [id = "", version = "", revision = ""] = stdout.trim().split(" ");
      return { id, version, revision };
    }),
    Effect.catchTag("TestEnvironmentError", () => Effect.succeed(undefined)),
  );

/** The docker import arguments that turn the root filesystem tarball into the image. */
export const importArguments = (tarball: string, skopeoVersion: string): ReadonlyArray<string> => [
  "import",
  "--change",
  `CMD ${JSON.stringify(SKOPEO_IMAGE_CMD)}`,
  "--change",
  `LABEL ${SKOPEO_VERSION_LABEL}=${skopeoVersion}`,
  "--change",
  `LABEL ${SKOPEO_IMAGE_REVISION_LABEL}=${SKOPEO_IMAGE_REVISION}`,
  "--message",
  `skopeo ${skopeoVersion} from the host, for skopush`,
  tarball,
  SKOPEO_IMAGE,
];

const build = (tools: Tools, socket: string, version: string, workParent: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(workParent, "skopeo-image-"))),
    (work) =>
      Effect.gen(function* () {
        const binaries = [tools.skopeo, tools.tail, tools.sh, tools.rm];
        const libraries: string[] = [];
        for (const binary of binaries) {
          const { stdout } = yield* runCommand(STEP, tools.ldd, [binary]);
          libraries.push(
            ...(yield* Effect.try({
              try: () => parseLddOutput(stdout),
              catch: (cause) => new TestEnvironmentError({ step: STEP, reason: `${binary}: ${(cause as Error).message}`, cause }),
            })),
          );
        }
        const root = join(work, "rootfs");
        yield* Effect.try({
          try: () => writeSkopeoRootfs(root, binaries, libraries),
          catch: (cause) => new TestEnvironmentError({ step: STEP, reason: `cannot lay out the root filesystem: ${String(cause)}`, cause }),
        });
        const tarball = join(work, "rootfs.tar");
        // Fixed owner, order and times: the same host skopeo always gives the same layer.
        yield* runCommand(STEP, tools.tar, [
          "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", root, "-cf", tarball, ".",
        ]);
        yield* docker(tools, socket, importArguments(tarball, version), 300_000);
      }),
    (work) => Effect.sync(() => rmSync(work, { recursive: true, force: true })),
  );

const verify = (tools: Tools, socket: string, version: string) =>
  docker(tools, socket, ["run", "--rm", "--network", "host", SKOPEO_IMAGE, "sh", "-c", "exec skopeo --version"]).pipe(
    Effect.flatMap(({ stdout }) =>
      parseSkopeoVersion(stdout) === version
        ? Effect.void
        : Effect.fail(
            new TestEnvironmentError({
              step: STEP,
              reason: `${SKOPEO_IMAGE} answers ${JSON.stringify(stdout.trim())}, expected skopeo ${version}`,
            }),
          ),
    ),
  );

/**
 * Makes sure {@link SKOPEO_IMAGE} exists and holds the host's skopeo version; builds it from the host's
 * skopeo (docker import of a minimal root filesystem) when it is missing or stale, then checks that it runs.
 */
export const ensureSkopeoImage = (
  tools: Tools,
  socket: string,
  workParent: string,
): Effect.Effect<{ readonly image: SkopeoImageState; readonly built: boolean }, TestEnvironmentError> =>
  Effect.gen(function* () {
    const version = yield* hostSkopeoVersion(tools);
    const existing = yield* inspect(tools, socket);
    if (existing?.version === version && existing.revision === SKOPEO_IMAGE_REVISION)
      return { image: { name: SKOPEO_IMAGE, id: existing.id, skopeoVersion: version }, built: false };
    yield* build(tools, socket, version, workParent);
    yield* verify(tools, socket, version);
    const built = yield* inspect(tools, socket);
    return { image: { name: SKOPEO_IMAGE, id: built?.id ?? "", skopeoVersion: version }, built: true };
  });
