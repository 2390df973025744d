import type { Measured } from "./measure.js";
import type { ChildReport } from "./strategy-child.js";

/** The report a strategy row's process printed as its last line, if it is one. */
export const childReportOf = (measured: Measured): ChildReport | undefined => {
  const last = measured.stdout.trim().split("\n").at(-1);
  try {
    const parsed = JSON.parse(last ?? "") as Partial<ChildReport>;
    return typeof parsed.pushMs === "number" && typeof parsed.startMs === "number" ? (parsed as ChildReport) : undefined;
  } catch {
    return undefined;
  }
};
