#!/usr/bin/env node
import { environmentStatus, installTools, startTestEnvironment, stopTestEnvironment } from "./environment.js";
import { resolveStateDir } from "./paths.js";

const USAGE = `usage: node packages/testkit/dist/environment/cli.js up|down|status|install

  up       install what is missing (as root), start dockerd if needed, build the skopeo image,
           create the test CA, start the registries (reusing live ones)
  down     stop what the environment started (registries; dockerd only if it started it)
  status   show the recorded environment and whether each registry answers
  install  only install the host packages the environment needs

State directory: $SKOPUSH_ENV_DIR, else <repo>/.skopush-env (now ${resolveStateDir()})`;

const log = (line: string) => console.error(`[skopush env] ${line}`);

const up = async () => {
  const { environment, timings } = await startTestEnvironment({ log });
  log(`up in ${timings.total} ms; state in ${environment.stateDir}/state.json`);
  for (const registry of environment.registries) {
    const who = registry.credentials ? `, user ${registry.credentials.username} (password in state.json)` : "";
    console.log(`${registry.kind.padEnd(6)} ${registry.url}${registry.certDir ? `, --dest-cert-dir ${registry.certDir}` : ""}${who}`);
  }
  const harbor = environment.state.harbor;
  if (harbor?.pid !== undefined) console.log(`harbor ${harbor.url} (HarborApiStandIn: REST API, token service, and /v2/* in front of the token registry; accounts in state.json)`);
};

const status = async () => {
  const found = await environmentStatus();
  if (found === undefined) {
    console.log(`no environment in ${resolveStateDir()}; run npm run env:up`);
    return;
  }
  const { state, registries } = found;
  console.log(`state:    ${state.stateDir}/state.json (updated ${state.updatedAt})`);
  console.log(`docker:   ${state.docker.socket}${state.docker.startedByUs ? ` (dockerd pid ${state.docker.pid}, log ${state.docker.log})` : ""}`);
  console.log(`skopeo:   ${state.skopeoImage ? `${state.skopeoImage.name} (skopeo ${state.skopeoImage.skopeoVersion})` : "not built"}`);
  console.log(`CA:       ${state.certificates.caFile}`);
  for (const { registry, up: answers } of registries) {
    const pid = registry.pid === undefined ? "stopped" : `pid ${registry.pid}`;
    console.log(`${registry.kind.padEnd(9)} ${registry.url} ${answers ? "up" : "DOWN"} (${pid}, log ${registry.logFile})`);
  }
  if (state.harbor) {
    const pid = state.harbor.pid === undefined ? "stopped" : `pid ${state.harbor.pid}`;
    console.log(`harbor    ${state.harbor.url} stand-in (${pid}, log ${state.harbor.logFile})`);
  }
};

const commands: Record<string, () => Promise<unknown>> = {
  up,
  down: () => stopTestEnvironment().then(() => log("down")),
  status,
  install: () => installTools({ log }).then(() => log("every required tool is installed")),
};

const command = commands[process.argv[2] ?? ""];
if (command === undefined) {
  console.error(USAGE);
  process.exitCode = 2;
} else {
  command().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
