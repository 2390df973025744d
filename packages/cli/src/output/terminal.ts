/** A stream the CLI writes to: `process.stdout`, `process.stderr`, or a test's buffer. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

/** How output is rendered on one stream. */
export interface TerminalStyle {
  /** Redraw live progress bars (a TTY outside CI); otherwise plain lines. */
  readonly live: boolean;
  /** Use ANSI colours. */
  readonly color: boolean;
  /** Width for live bars. */
  readonly columns: number;
}

/**
 * Decides live bars and colours for `stream`: live on a TTY unless `CI` is set (CI logs keep every
 * line, and a redraw there becomes noise); colour on a TTY unless `NO_COLOR` is set to anything
 * non-empty (no-color.org), forced by `FORCE_COLOR` other than `0`, never when `NO_COLOR` is set.
 */
export const terminalStyle = (stream: OutputStream, env: Readonly<Record<string, string | undefined>>): TerminalStyle => {
  const tty = stream.isTTY === true && env.TERM !== "dumb";
  const noColor = (env.NO_COLOR ?? "") !== "";
  const forceColor = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return {
    live: tty && !isCi(env),
    color: !noColor && (forceColor || tty),
    // The terminal's own width, however narrow: lines cut to it never wrap, so a redraw never miscounts rows.
    columns: Math.max(10, Math.min(stream.columns || 80, 160)),
  };
};

/** True in a CI job: `CI` set to anything but `false`/`0`. */
export const isCi = (env: Readonly<Record<string, string | undefined>>): boolean =>
  env.CI !== undefined && env.CI !== "" && env.CI !== "0" && env.CI.toLowerCase() !== "false";

/** Colour functions that are identities when colour is off. */
export interface Palette {
  readonly green: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

/** The palette for a style. */
export const paletteOf = (style: Pick<TerminalStyle, "color">): Palette =>
  style.color
    ? { green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) }
    : { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };

const plain = (text: string) => text;
