import { loadTestEnvironment } from "../environment/environment.js";
import type { EnvironmentOptions } from "../environment/paths.js";
import type { RegistryKind } from "../environment/registry-kinds.js";
import { isRunning } from "./processes.js";

/**
 * Kills the registry of `kind` with SIGKILL, as a crash or an OOM kill would (no graceful drain), and
 * waits until it is gone; `restartRegistry` brings it back on the same port with the same storage. Use
 * it on a private environment only (`startTestEnvironment({ stateDir })`).
 */
export const killRegistry = async (kind: RegistryKind, options: EnvironmentOptions): Promise<void> => {
  const pid = (await loadTestEnvironment(options)).registry(kind).pid as number;
  process.kill(pid, "SIGKILL");
  const deadline = Date.now() + 10_000;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`[skopush] registry ${kind} (pid ${pid}) outlived SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
