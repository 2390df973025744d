import { ownerIsGone, ownerOf } from "@skopush/skopeo";
import type { DockerClient } from "./docker-client.js";

/** The start of the name of every directory a push uploads into the container (its local workspace's name). */
export const UPLOAD_PREFIX = "skopush-";

// Lists, without following links, the directories named like an upload in "$1".
const LIST = 'for d in "$1"/skopush-*; do [ -d "$d" ] && [ ! -h "$d" ] && echo "${d##*/}"; done; exit 0';

const run = async (docker: DockerClient, container: string, command: ReadonlyArray<string>): Promise<{ exitCode: number; output: string }> => {
  let output = "";
  const handle = await docker.exec(container, command, [], (chunk) => (output += chunk.toString("utf8")));
  return { exitCode: await handle.exited, output };
};

/**
 * Removes, inside the container, the directories in `parent` that pushes from this machine uploaded and
 * whose skopush process is gone (killed before it could remove them). Directories of other machines
 * (another boot id: a daemon several hosts use) and of live processes are left. Answers the paths removed.
 */
export const reapDeadUploads = async (docker: DockerClient, container: string, parent: string): Promise<string[]> => {
  const listed = await run(docker, container, ["sh", "-c", LIST, "skopush-list", parent]);
  if (listed.exitCode !== 0) return [];
  const dead = listed.output
    .split("\n")
    .map((name) => name.trim())
    .filter((name) => {
      const owner = ownerOf(name, UPLOAD_PREFIX);
      return owner !== undefined && ownerIsGone(owner, { sameBootOnly: true });
    })
    .map((name) => `${parent.replace(/\/+$/, "")}/${name}`);
  if (dead.length === 0) return [];
  const removed = await run(docker, container, ["rm", "-rf", "--", ...dead]);
  return removed.exitCode === 0 ? dead : [];
};

const reaped = new Set<string>();

/** {@link reapDeadUploads} once per container and directory in this process; never fails. */
export const reapDeadUploadsOnce = async (docker: DockerClient, container: string, parent: string): Promise<void> => {
  const key = `${docker.endpoint}\0${container}\0${parent}`;
  if (reaped.has(key)) return;
  reaped.add(key);
  await reapDeadUploads(docker, container, parent).catch(() => undefined);
};
