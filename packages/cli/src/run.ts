import { readFileSync } from "node:fs";
import { createDefaultContainer } from "skopush";
import { MAIN_USAGE } from "./args/usage.js";
import type { CliIo } from "./cli-io.js";
import { doctorCommand } from "./commands/doctor-command.js";
import { pushCommand, type CreatePushContainer } from "./commands/push-command.js";
import { serviceCommand, type CreateServiceManager } from "./commands/service-command.js";
import { defaultServiceManager } from "./commands/service-manager.js";
import { EXIT } from "./exit-codes.js";
import { paletteOf, terminalStyle } from "./output/terminal.js";
import { UsageError } from "./usage-error.js";

/** What the commands are built from; tests replace these to run the CLI with fakes. */
export interface CliDependencies {
  /** Builds the container a push (or doctor) runs in. @default skopush's createDefaultContainer */
  readonly createContainer?: CreatePushContainer | undefined;
  /** Makes the manager of the resident container for `skopush service`. @default the Docker-backed manager */
  readonly createServiceManager?: CreateServiceManager | undefined;
}

/** The CLI's version, from its package.json. */
export const cliVersion = (): string =>
  (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Runs `skopush` with `argv` (without node and the script); resolves the exit code. */
export const run = async (argv: ReadonlyArray<string>, io: CliIo, dependencies: CliDependencies = {}): Promise<number> => {
  const [command, ...rest] = argv;
  const createContainer = dependencies.createContainer ?? createDefaultContainer;
  const createServiceManager = dependencies.createServiceManager ?? defaultServiceManager;
  try {
    switch (command) {
      case "push":
        return await pushCommand(rest, io, createContainer);
      case "doctor":
        return await doctorCommand(rest, io, createContainer, createServiceManager);
      case "service":
        return await serviceCommand(rest, io, createServiceManager);
      case "help":
        return helpCommand(rest, io, dependencies);
      case "-v":
      case "--version":
        io.stdout.write(`skopush ${cliVersion()}\n`);
        return EXIT.ok;
      case undefined:
      case "-h":
      case "--help":
        (command === undefined ? io.stderr : io.stdout).write(MAIN_USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError({ reason: `unknown command ${JSON.stringify(command)}; the commands are push, doctor, service, help` });
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const palette = paletteOf(terminalStyle(io.stderr, io.env));
    io.stderr.write(`${palette.red("✖")} ${error.message}\n`);
    return EXIT.usage;
  }
};

const helpCommand = (rest: ReadonlyArray<string>, io: CliIo, dependencies: CliDependencies): Promise<number> | number => {
  const [topic] = rest;
  if (topic === undefined) {
    io.stdout.write(MAIN_USAGE);
    return EXIT.ok;
  }
  if (topic !== "push" && topic !== "doctor" && topic !== "service") throw new UsageError({ reason: `no help for ${JSON.stringify(topic)}` });
  return run([topic, "--help"], io, dependencies);
};
