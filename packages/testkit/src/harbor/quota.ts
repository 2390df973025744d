import type { StandInProject } from "./harbor-stand-in-store.js";

/** Bytes as Harbor prints them (src/pkg/quota/types/format.go `byteCountToDisplaySize`): `512 B`, `29.0 MiB`. */
export const displaySize = (value: number): string => {
  const unit = 1024;
  if (value < unit) return `${value} B`;
  let div = unit;
  let exp = 0;
  for (let n = Math.floor(value / unit); n >= unit; n = Math.floor(n / unit)) {
    div *= unit;
    exp++;
  }
  // Go's %.1f: the nearest tenth, an exact tie going to the even one.
  const scaled = value * 10;
  let tenths = Math.floor(scaled / div);
  const rest = scaled - tenths * div;
  if (rest * 2 > div || (rest * 2 === div && tenths % 2 === 1)) tenths++;
  return `${Math.floor(tenths / 10)}.${tenths % 10} ${"KMGTPE"[exp]}iB`;
};

/**
 * Harbor's message when a request would take a project past its storage quota (src/pkg/quota/errors.go
 * `ResourceOverflow`), e.g. `adding 29.0 MiB of storage resource, which when updated to current usage of
 * 152.4 MiB will exceed the configured upper limit of 10.0 MiB.`
 */
export const overflowMessage = (hardLimit: number, currentUsed: number, newUsed: number): string => {
  const [op, delta] = newUsed > currentUsed ? ["adding", newUsed - currentUsed] : ["subtracting", currentUsed - newUsed];
  return `${op} ${displaySize(delta)} of storage resource, which when updated to current usage of ${displaySize(currentUsed)} will exceed the configured upper limit of ${displaySize(hardLimit)}.`;
};

/**
 * Reserves `bytes` of the project's quota (src/controller/quota/controller.go `Request`, checked by
 * src/pkg/quota/util.go `IsSafe`): the overflow message when the new usage would pass a limit other
 * than -1, else a function that gives the reservation back (when the registry then refuses the request).
 */
export const reserveStorage = (project: StandInProject, bytes: number): { readonly exceeded: string } | { readonly release: () => void } => {
  const newUsed = project.usage + bytes;
  if (project.storageLimit !== -1 && newUsed > project.storageLimit) return { exceeded: overflowMessage(project.storageLimit, project.usage, newUsed) };
  project.usage = newUsed;
  return { release: () => void (project.usage -= bytes) };
};
