const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** `1536` → `1.5 KiB`. */
export const formatBytes = (bytes: number): string => {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
};

/** `1234` → `1.2 s`, `65000` → `1m 5s`, `850` → `850 ms`. */
export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${Math.round((ms % 60_000) / 1000)}s`;
};

/** `sha256:3f4a5b…` shortened to the algorithm and 12 hex digits. */
export const shortDigest = (digest: string): string => {
  const colon = digest.indexOf(":");
  return colon < 0 ? digest.slice(0, 12) : `${digest.slice(0, colon)}:${digest.slice(colon + 1, colon + 13)}`;
};

/** A bar of `width` cells, `ratio` of them full. */
export const bar = (ratio: number, width: number): string => {
  const full = Math.round(Math.max(0, Math.min(1, ratio)) * width);
  return `${"█".repeat(full)}${"░".repeat(width - full)}`;
};
