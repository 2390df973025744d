/**
 * One line of `skopeo copy` output, parsed. Without a TTY, skopeo 1.9.3 prints exactly:
 * ```
 * Getting image source signatures
 * Copying blob sha256:<64 hex>        (once per layer, when its copy starts; no "done", no sizes)
 * Copying config sha256:<64 hex>      (after every layer is copied)
 * Writing manifest to image destination
 * Storing signatures
 * ```
 * With a TTY, lines carry short ids (12 hex digits, 10 for the config) and states (`… done`,
 * `… skipped: already exists`, a bar), redrawn with cursor movements; those forms are understood too.
 */
export type SkopeoOutputLine =
  | { readonly kind: "signatures" }
  | { readonly kind: "blob" | "config"; readonly id: string; readonly state: "started" | "done" | "skipped" }
  | { readonly kind: "manifest" }
  | { readonly kind: "storing-signatures" }
  | { readonly kind: "other"; readonly line: string };

// A TTY shows short ids: 12 hex digits for blobs, 10 for the config.
const COPYING = /^Copying (blob|config) (?:(sha256|sha384|sha512):)?([0-9a-f]{10,128})\b\s*(.*)$/;
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Parses one line of `skopeo copy` stdout. */
export const parseOutputLine = (raw: string): SkopeoOutputLine => {
  // A TTY redraws its bars with cursor movements and carriage returns; the last frame is the current one.
  const frames = raw.replace(TERMINAL_CONTROL, "").split("\r").filter((frame) => frame.trim().length > 0);
  const line = (frames.pop() ?? "").trim();
  if (line === "Getting image source signatures") return { kind: "signatures" };
  if (line === "Writing manifest to image destination") return { kind: "manifest" };
  if (line === "Storing signatures") return { kind: "storing-signatures" };
  const copying = COPYING.exec(line);
  if (copying) {
    const [, kind, algorithm, hex, rest = ""] = copying;
    const state = /\bskipped\b|already exists/.test(rest) ? "skipped" : /\bdone\b/.test(rest) ? "done" : "started";
    return { kind: kind as "blob" | "config", id: algorithm ? `${algorithm}:${hex}` : (hex as string), state };
  }
  return { kind: "other", line };
};
