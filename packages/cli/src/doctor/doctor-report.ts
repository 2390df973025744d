import { access, constants, lstat, realpath } from "node:fs/promises";
import { resolve } from "node:path";
import * as Effect from "effect/Effect";
import type { FallbackChain, ProbeReport } from "@skopush/core";
import { checkSharedDirectory } from "@skopush/skopeo-container";
import { CLI_PHRASES } from "../cli-phrases.js";
import { DEFAULT_RESIDENT_NAME } from "../commands/resident-settings.js";
import type { ServiceManager } from "../commands/service-manager.js";
import { describeConnectionError, dockerEndpoint, engineGet, type DockerEndpoint } from "./docker-engine.js";
import { dockerCliReport, skopeoReport, type ToolReport } from "./tool-versions.js";

/** The Docker daemon, as `DOCKER_HOST` names it. */
export interface DaemonReport {
  readonly host: string;
  readonly reachable: boolean;
  readonly version?: string | undefined;
  readonly apiVersion?: string | undefined;
  readonly problem?: string | undefined;
}

/** The resident skopeo container. */
export interface ContainerReport {
  readonly name: string;
  readonly exists: boolean;
  readonly running?: boolean | undefined;
  readonly image?: string | undefined;
  readonly mounts?: ReadonlyArray<{ readonly source: string; readonly destination: string }> | undefined;
  readonly problem?: string | undefined;
}

/** The directory the container strategies hand archives over in. */
export interface SharedDirectoryReport {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly exists: boolean;
  readonly writable: boolean;
  /** Why the container strategies refuse it (another user could write to it, a link, a file…), with the fix; absent when it is fine or missing. */
  readonly refused?: { readonly reason: string; readonly fix: string } | undefined;
  /** Whether the resident container mounts it at `containerPath`; undefined when the container cannot be inspected. */
  readonly mounted?: boolean | undefined;
}

/** Everything `skopush doctor` reports. */
export interface DoctorReport {
  readonly strategies: ReadonlyArray<ProbeReport>;
  readonly skopeo: ToolReport;
  readonly docker: { readonly cli: ToolReport; readonly daemon: DaemonReport };
  readonly container: ContainerReport;
  readonly sharedDirectory: SharedDirectoryReport;
  /** The strategies that can push here, in chain order. */
  readonly usable: ReadonlyArray<string>;
  /** Sentences that explain the state and what to do, most important first. */
  readonly advice: ReadonlyArray<string>;
}

/** What {@link doctorReport} inspects. */
export interface DoctorInputs {
  readonly chain: FallbackChain;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly containerName: string;
  /** Inspects the resident container. */
  readonly container: Pick<ServiceManager, "status">;
  readonly sharedDir: { readonly hostPath: string; readonly containerPath: string };
}

const daemonReport = async (endpoint: DockerEndpoint | undefined, env: DoctorInputs["env"]): Promise<DaemonReport> => {
  if (endpoint === undefined) {
    return { host: env.DOCKER_HOST ?? "", reachable: false, problem: `DOCKER_HOST=${env.DOCKER_HOST} uses a scheme doctor cannot check (unix:// and tcp:// only)` };
  }
  try {
    const answer = await engineGet(endpoint, "/version");
    const body = answer.body as { Version?: string; ApiVersion?: string };
    if (answer.status !== 200) return { host: endpoint.host, reachable: false, problem: `${endpoint.host} answered HTTP ${answer.status} to GET /version` };
    return { host: endpoint.host, reachable: true, version: body.Version, apiVersion: body.ApiVersion };
  } catch (error) {
    return { host: endpoint.host, reachable: false, problem: describeConnectionError(error, endpoint) };
  }
};

const containerReport = async (manager: Pick<ServiceManager, "status">, daemon: DaemonReport, name: string): Promise<ContainerReport> => {
  if (!daemon.reachable) return { name, exists: false, problem: "the Docker daemon cannot be reached" };
  try {
    const status = await manager.status();
    return { name, exists: status.exists, running: status.exists ? status.running : undefined, image: status.image, mounts: status.mounts };
  } catch (error) {
    return { name, exists: false, problem: error instanceof Error ? error.message : String(error) };
  }
};

const sharedDirectoryReport = async (
  shared: DoctorInputs["sharedDir"],
  container: ContainerReport,
): Promise<SharedDirectoryReport> => {
  const hostPath = resolve(shared.hostPath);
  // The container strategies' own check, without creating anything: doctor says what a push would.
  const verdict = await checkSharedDirectory({ hostPath, containerPath: shared.containerPath }, { create: false }).catch((error: unknown) => ({
    state: "refused" as const,
    reason: `the shared directory ${hostPath} cannot be checked: ${error instanceof Error ? error.message : String(error)}`,
    fix: "make its parent directories readable for this user",
  }));
  const refused = verdict.state === "refused" ? { reason: verdict.reason, fix: verdict.fix } : undefined;
  const exists = (await lstat(hostPath).catch(() => undefined)) !== undefined;
  const writable = verdict.state === "trusted" && (await access(hostPath, constants.W_OK).then(() => true, () => false));
  const real = exists ? await realpath(hostPath).catch(() => hostPath) : hostPath;
  const mounted =
    container.mounts === undefined
      ? undefined
      : container.mounts.some((mount) => (mount.source === hostPath || mount.source === real) && mount.destination === shared.containerPath);
  return { hostPath, containerPath: shared.containerPath, exists, writable, ...(refused ? { refused } : {}), mounted };
};

const adviceOf = (report: Omit<DoctorReport, "advice">, containerName: string): string[] => {
  const advice: string[] = [];
  // The commands carry the --name and --shared-dir this doctor was given, so they act on the same container.
  const resident = { container: containerName, sharedDir: report.sharedDirectory.hostPath };
  const create = CLI_PHRASES.createContainer(resident);
  const name = containerName === DEFAULT_RESIDENT_NAME ? "" : ` --name ${containerName}`;
  const { daemon, cli } = report.docker;
  if (!daemon.reachable) {
    advice.push(
      `No Docker here: ${daemon.problem ?? "the daemon does not answer"}${cli.found ? "" : ", and the docker CLI is not on PATH"}. ` +
        "The docker-exec and dockerode strategies cannot push on this machine; skopush uses the host's skopeo (native) " +
        `or its own registry client instead. To use Docker: install it, start the daemon (or point DOCKER_HOST at one), then run ${create}.`,
    );
  } else if (!report.container.exists) {
    advice.push(`The resident container ${containerName} does not exist: run ${create}.`);
  } else if (report.container.running === false) {
    advice.push(`The resident container ${containerName} is stopped: run skopush service start${name}.`);
  }
  if (report.container.exists && report.sharedDirectory.mounted === false) {
    advice.push(
      `${containerName} does not mount ${report.sharedDirectory.hostPath} at ${report.sharedDirectory.containerPath}: ` +
        `recreate it with ${CLI_PHRASES.recreateContainer(resident)} (or pass --shared-dir with the directory it mounts).`,
    );
  }
  const refusal = report.sharedDirectory.refused;
  if (refusal !== undefined) {
    advice.push(`The docker-exec and dockerode strategies refuse ${report.sharedDirectory.hostPath}: ${refusal.reason}. Fix: ${refusal.fix}.`);
  } else if (report.sharedDirectory.exists && !report.sharedDirectory.writable) {
    advice.push(`${report.sharedDirectory.hostPath} is not writable by this user: make it yours (mode 0700), or set SKOPEO_SHARED_DIR to a directory you own.`);
  }
  if (!report.skopeo.found) advice.push(`No skopeo on this machine's PATH: the native strategy cannot push (${report.skopeo.problem}).`);
  advice.push(
    report.usable.length > 0
      ? `Pushes will use ${report.usable[0]}${report.usable.length > 1 ? `, then ${report.usable.slice(1).join(", ")}` : ""}.`
      : "No strategy can push here; fix one of the problems above.",
  );
  return advice;
};

/** Probes every strategy and inspects the machine; never fails. */
export const doctorReport = async (inputs: DoctorInputs): Promise<DoctorReport> => {
  const endpoint = dockerEndpoint(inputs.env);
  const [strategies, skopeo, cli, daemon] = await Promise.all([
    Effect.runPromise(inputs.chain.probeAll()),
    skopeoReport(inputs.env),
    dockerCliReport(inputs.env),
    daemonReport(endpoint, inputs.env),
  ]);
  const container = await containerReport(inputs.container, daemon, inputs.containerName);
  const sharedDirectory = await sharedDirectoryReport(inputs.sharedDir, container);
  const partial = {
    strategies,
    skopeo,
    docker: { cli, daemon },
    container,
    sharedDirectory,
    usable: strategies.filter((strategy) => strategy.available).map((strategy) => strategy.strategy),
  };
  return { ...partial, advice: adviceOf(partial, inputs.containerName) };
};
