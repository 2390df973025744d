import { resolveFallbackChain } from "@skopush/core";
import { DOCTOR_FLAGS } from "../args/command-flags.js";
import { parseOptions, stringFlag } from "../args/parse-options.js";
import { DOCTOR_USAGE } from "../args/usage.js";
import type { CliIo } from "../cli-io.js";
import { doctorReport } from "../doctor/doctor-report.js";
import { renderDoctor } from "../doctor/render-doctor.js";
import { EXIT } from "../exit-codes.js";
import { paletteOf, terminalStyle } from "../output/terminal.js";
import { UsageError } from "../usage-error.js";
import type { CreatePushContainer } from "./push-command.js";
import type { CreateServiceManager } from "./service-manager.js";
import { residentContainerSettings, sharedDirectoryOf, DEFAULT_RESIDENT_NAME } from "./resident-settings.js";

/** `skopush doctor`: probes every strategy and inspects the machine; exit 0 when something can push. */
export const doctorCommand = async (
  argv: ReadonlyArray<string>,
  io: CliIo,
  createContainer: CreatePushContainer,
  createServiceManager: CreateServiceManager,
): Promise<number> => {
  const parsed = parseOptions("doctor", argv, DOCTOR_FLAGS);
  if (parsed.booleans.has("help")) {
    io.stdout.write(DOCTOR_USAGE);
    return EXIT.ok;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError({ reason: `unexpected argument ${JSON.stringify(parsed.positionals[0])}`, command: "doctor" });
  }
  const containerName = stringFlag(parsed, "name") ?? DEFAULT_RESIDENT_NAME;
  const sharedDir = sharedDirectoryOf(stringFlag(parsed, "shared-dir"), io.env);
  const container = createContainer({
    env: io.env,
    strategies: residentContainerSettings(containerName, sharedDir.hostPath),
  });
  const resident = createServiceManager({ name: containerName, sharedDir: sharedDir.hostPath, env: io.env });
  const report = await doctorReport({ chain: resolveFallbackChain(container), env: io.env, containerName, container: resident, sharedDir });
  if (parsed.booleans.has("json")) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(renderDoctor(report, paletteOf(terminalStyle(io.stdout, io.env))));
  return report.usable.length > 0 ? EXIT.ok : EXIT.failed;
};
