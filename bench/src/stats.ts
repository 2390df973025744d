/** The median; `NaN` for no values. */
export const median = (xs: ReadonlyArray<number>): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The median of the values that are defined, or `undefined` when none is. */
export const medianOfDefined = (xs: ReadonlyArray<number | undefined>): number | undefined => {
  const defined = xs.filter((x): x is number => x !== undefined);
  return defined.length === 0 ? undefined : median(defined);
};
