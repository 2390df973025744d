const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration flag's value in milliseconds: `90s`, `5m`, `1h`, `1m30s`, `500ms`, or a bare number of
 * seconds (as `timeout(1)` and skopeo's `--command-timeout` read it). `undefined` for anything else,
 * zero, or a negative value.
 */
export const parseDuration = (text: string): number | undefined => {
  const trimmed = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return positive(Number(trimmed) * 1000);
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * (UNITS[unit ?? "s"] ?? 1000);
  return positive(total);
};

const positive = (ms: number): number | undefined => (Number.isFinite(ms) && ms >= 1 ? Math.round(ms) : undefined);
