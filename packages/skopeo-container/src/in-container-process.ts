/**
 * Stopping skopeo inside the resident container. Killing the `docker exec` client (or closing an Engine
 * API exec stream) does not stop the process it started in the container: the daemon keeps it running
 * (moby/moby#9098). So skopeo runs under a POSIX-shell wrapper that records its pid in the push's
 * workspace and then `exec`s skopeo (same pid); cancelling runs a second exec that marks the workspace
 * cancelled and signals that pid. The marker closes the race where cancellation comes before the
 * wrapper wrote its pid: the wrapper writes the pid first and checks the marker second, the stopper
 * writes the marker first and reads the pid second, so one of them always sees the other.
 * Only regular shell built-ins are used (`umask`, `echo`, `read`, `kill`, `[`; a failed redirection on a special
 * built-in such as `:` would end the shell), so `/bin/sh` is the only requirement.
 */

/** The file, in the push's workspace, where the wrapper records skopeo's pid. */
export const PID_FILE = "skopeo.pid";

/** The file, in the push's workspace, whose presence tells the wrapper not to start skopeo. */
export const CANCELLED_FILE = "cancelled";

/** The wrapper's exit code when it found the workspace cancelled (or gone) before starting skopeo. */
export const WRAPPER_CANCELLED_EXIT = 130;

/** The wrapper's exit code when it could not record the pid (the workspace is missing or not writable). */
export const WRAPPER_NO_WORKSPACE_EXIT = 125;

// umask 077: what skopeo writes (its digest file, its temp files) and the pid file are its owner's alone,
// like everything else in the push's workspace.
const WRAPPER = `umask 077; echo $$ > "$1/${PID_FILE}" || exit ${WRAPPER_NO_WORKSPACE_EXIT}; [ ! -e "$1/${CANCELLED_FILE}" ] || exit ${WRAPPER_CANCELLED_EXIT}; shift; exec "$@"`;

const STOPPER = `echo > "$1/${CANCELLED_FILE}" 2>/dev/null; if read pid < "$1/${PID_FILE}" 2>/dev/null && [ -n "$pid" ]; then kill -s "$2" "$pid" 2>/dev/null; fi; exit 0`;

/**
 * The argv that runs `command` inside the container under the pid-recording wrapper. `workspace` is the
 * push's workspace as the container sees it; arguments are passed as positional parameters, never
 * spliced into the script, so nothing in them is interpreted by the shell.
 */
export const wrappedCommand = (workspace: string, command: ReadonlyArray<string>): ReadonlyArray<string> => [
  "sh", "-c", WRAPPER, "skopush-run", workspace, ...command,
];

/** The signals the stopper sends: TERM first, KILL when skopeo outlives the grace period. */
export type StopSignal = "TERM" | "KILL";

/** The argv that marks `workspace` cancelled and sends `signal` to the process the wrapper recorded. */
export const stopCommand = (workspace: string, signal: StopSignal): ReadonlyArray<string> => [
  "sh", "-c", STOPPER, "skopush-stop", workspace, signal,
];

/** The argv that removes `workspace` inside the container (used when it was uploaded, not shared). */
export const removeCommand = (workspace: string): ReadonlyArray<string> => ["rm", "-rf", "--", workspace];

/**
 * The argv of the probe's check inside the container: a shell runs, skopeo is on `PATH` and answers,
 * every program in `require` is on `PATH`, and, when `marker` is given, the file the host just wrote into
 * the shared directory is visible with the expected content. Exit codes: 0 ok, 3 marker not visible,
 * 4 marker content differs, 5 a required program is missing (its name on stdout), 127 no skopeo.
 */
export const probeCommand = (
  options: { readonly marker?: { readonly path: string; readonly content: string } | undefined; readonly require?: ReadonlyArray<string> } = {},
): ReadonlyArray<string> => [
  "sh", "-c",
  'if [ -n "$1" ]; then [ -e "$1" ] || exit 3; read m < "$1"; [ "$m" = "$2" ] || exit 4; fi; shift 2; ' +
    'for p in "$@"; do command -v "$p" >/dev/null 2>&1 || { echo "$p"; exit 5; }; done; ' +
    "command -v skopeo >/dev/null 2>&1 || exit 127; exec skopeo --version",
  "skopush-probe", options.marker?.path ?? "", options.marker?.content ?? "", ...(options.require ?? []),
];

/** Exit codes of {@link probeCommand}. */
export const PROBE_EXIT = { markerMissing: 3, markerDiffers: 4, programMissing: 5, noSkopeo: 127 } as const;
