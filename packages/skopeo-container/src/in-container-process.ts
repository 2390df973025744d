/**
 * Running skopeo inside the resident container so that it never outlives its push. Killing the `docker
 * exec` client (or closing an Engine API exec stream) does not stop the process it started in the
 * container: the daemon keeps it running (moby/moby#9098), and a push whose skopush was killed would
 * still write its tag. So skopeo runs under a POSIX-shell wrapper that
 *
 * - starts skopeo in the background and records its pid in the push's workspace;
 * - watches the exec session's stdin (the caller keeps it open and never writes): end of file means the
 *   session is gone (skopush ended, was killed, or closed it to cancel), and the wrapper sends skopeo
 *   SIGTERM, then SIGKILL after the grace period;
 * - once skopeo has ended, however, removes the authfile: credentials stay on disk no longer than the
 *   skopeo that reads them, even when nobody is left to clean up after it.
 *
 * Cancelling also runs a second exec (the stopper) that marks the workspace cancelled and signals the
 * recorded pid. The marker closes the race where cancellation comes before the wrapper wrote the pid: the
 * wrapper writes the pid first and checks the marker second, the stopper writes the marker first and reads
 * the pid second, so one of them always sees the other. Only regular shell built-ins are used (`umask`,
 * `echo`, `read`, `kill`, `wait`, `[`; a failed redirection on a special built-in such as `:` would end the
 * shell), plus `sleep` and `rm` when the image has them (without `sleep`, SIGKILL follows SIGTERM at once;
 * without `rm`, the authfile is emptied instead), so `/bin/sh` is the only requirement.
 */

/** The file, in the push's workspace, where the wrapper records skopeo's pid. */
export const PID_FILE = "skopeo.pid";

/** The file, in the push's workspace, whose presence tells the wrapper not to start skopeo. */
export const CANCELLED_FILE = "cancelled";

/** The wrapper's exit code when it found the workspace cancelled (or gone) before starting skopeo. */
export const WRAPPER_CANCELLED_EXIT = 130;

/** The wrapper's exit code when it could not record the pid (the workspace is missing or not writable). */
export const WRAPPER_NO_WORKSPACE_EXIT = 125;

/** How long skopeo gets after SIGTERM before SIGKILL when its session ends, when none is given. */
export const DEFAULT_WRAPPER_GRACE_SECONDS = 5;

// umask 077: what skopeo writes (its digest file, its temp files) and the pid file are its owner's alone,
// like everything else in the push's workspace. fd 3 keeps the session's stdin for the watcher alone.
const WRAPPER = [
  'umask 077; ws=$1; grace=$2; auth=$3; shift 3',
  `echo > "$ws/${PID_FILE}" || exit ${WRAPPER_NO_WORKSPACE_EXIT}`,
  `[ ! -e "$ws/${CANCELLED_FILE}" ] || exit ${WRAPPER_CANCELLED_EXIT}`,
  "exec 3<&0 </dev/null",
  '"$@" 3<&- &',
  "pid=$!",
  `echo "$pid" > "$ws/${PID_FILE}" || { kill -KILL "$pid" 2>/dev/null; exit ${WRAPPER_NO_WORKSPACE_EXIT}; }`,
  `[ ! -e "$ws/${CANCELLED_FILE}" ] || kill -TERM "$pid" 2>/dev/null`,
  '( while read -r line <&3; do :; done; kill -TERM "$pid" 2>/dev/null; sleep "$grace" 2>/dev/null; kill -KILL "$pid" 2>/dev/null ) >/dev/null 2>&1 &',
  "watcher=$!",
  "exec 3<&-",
  'wait "$pid" 2>/dev/null; code=$?',
  'kill "$watcher" 2>/dev/null',
  'if [ -n "$auth" ] && [ -e "$auth" ]; then rm -f -- "$auth" 2>/dev/null || { true > "$auth"; } 2>/dev/null; fi',
  'exit "$code"',
].join("\n");

const STOPPER = `echo > "$1/${CANCELLED_FILE}" 2>/dev/null; if read pid < "$1/${PID_FILE}" 2>/dev/null && [ -n "$pid" ]; then kill -s "$2" "$pid" 2>/dev/null; fi; exit 0`;

/** Options of {@link wrappedCommand}. */
export interface WrapperOptions {
  /** Seconds skopeo gets after SIGTERM, once its session ended, before SIGKILL. @default 5 */
  readonly graceSeconds?: number | undefined;
  /** The authfile (as the container sees it) to remove once skopeo has ended. @default none */
  readonly authFile?: string | undefined;
}

/**
 * The argv that runs `command` inside the container under the wrapper. `workspace` is the push's
 * workspace as the container sees it; arguments are passed as positional parameters, never spliced into
 * the script, so nothing in them is interpreted by the shell. The exec must attach stdin and the caller
 * keep it open while the push runs: its end stops the command.
 */
export const wrappedCommand = (workspace: string, command: ReadonlyArray<string>, options: WrapperOptions = {}): ReadonlyArray<string> => [
  "sh", "-c", WRAPPER, "skopush-run", workspace,
  String(Math.max(0, Math.ceil(options.graceSeconds ?? DEFAULT_WRAPPER_GRACE_SECONDS))),
  options.authFile ?? "",
  ...command,
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
