import type { Palette } from "../output/terminal.js";
import type { ContainerReport, DoctorReport } from "./doctor-report.js";
import type { ToolReport } from "./tool-versions.js";

const mountLine = (mounted: boolean | undefined, container: ContainerReport): string => {
  if (mounted === true) return `mounted in ${container.name}`;
  if (mounted === false) return `not mounted in ${container.name}`;
  return container.problem ? `mount unknown: ${container.problem}` : `not mounted: ${container.name} does not exist`;
};

/** The human form of a doctor report. */
export const renderDoctor = (report: DoctorReport, palette: Palette): string => {
  const ok = palette.green("✔");
  const bad = palette.red("✖");
  const lines: string[] = [palette.bold("Strategies, in push order")];
  for (const probe of report.strategies) {
    const detail = probe.available ? "available" : `${probe.reason ?? "unavailable"}${probe.fix ? `. Fix: ${probe.fix}` : ""}`;
    lines.push(`  ${probe.available ? ok : bad} ${probe.strategy.padEnd(12)} ${detail}`);
  }
  const tool = (name: string, report: ToolReport) =>
    `  ${report.found && !report.problem ? ok : bad} ${name.padEnd(12)} ${
      report.found ? `${report.version ?? "?"}  ${palette.dim(report.path ?? "")}${report.problem ? `  ${report.problem}` : ""}` : report.problem ?? "not found"
    }`;
  lines.push(palette.bold("Tools"), tool("skopeo", report.skopeo), tool("docker CLI", report.docker.cli));
  const daemon = report.docker.daemon;
  lines.push(
    `  ${daemon.reachable ? ok : bad} ${"dockerd".padEnd(12)} ${
      daemon.reachable ? `${daemon.version ?? "?"} (API ${daemon.apiVersion ?? "?"}) at ${daemon.host}` : daemon.problem ?? "unreachable"
    }`,
  );
  const container = report.container;
  lines.push(palette.bold(`Resident container ${container.name}`));
  if (!container.exists) lines.push(`  ${bad} ${container.problem ?? "does not exist"}`);
  else lines.push(`  ${container.running ? ok : bad} ${container.running ? "running" : "stopped"}, image ${container.image ?? "?"}`);
  const shared = report.sharedDirectory;
  lines.push(palette.bold(`Shared directory ${shared.hostPath} (in the container: ${shared.containerPath})`));
  lines.push(`  ${shared.exists ? ok : bad} ${shared.exists ? "exists" : "does not exist (created on first use, mode 0700)"}`);
  if (shared.refused) lines.push(`  ${bad} refused: ${shared.refused.reason}`);
  else if (shared.exists) lines.push(`  ${shared.writable ? ok : bad} ${shared.writable ? "yours alone and writable" : "not writable by this user"}`);
  lines.push(`  ${shared.mounted ? ok : bad} ${mountLine(shared.mounted, container)}`);
  lines.push(palette.bold("Advice"), ...report.advice.map((line) => `  - ${line}`));
  return `${lines.join("\n")}\n`;
};
