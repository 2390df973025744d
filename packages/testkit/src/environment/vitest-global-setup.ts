import { startTestEnvironment, stopTestEnvironment } from "./environment.js";

/**
 * Vitest global setup of the integration project: brings the environment up (failing the run with the
 * reason when it cannot) and, afterwards, stops only what this run started.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`[skopush env] ${line}`);
  const { started, timings } = await startTestEnvironment({ log });
  log(`ready in ${timings.total} ms`);
  return async () => {
    await stopTestEnvironment({ only: { dockerd: started.dockerd, registries: started.registries, harborStandIn: started.harborStandIn } });
  };
}
