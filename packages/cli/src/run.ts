import { withSettingPhrases } from "@skopush/core";
import { MAIN_USAGE } from "./args/usage.js";
import { CLI_PHRASES } from "./cli-phrases.js";
import type { CliIo } from "./cli-io.js";
import type { CreatePushContainer } from "./commands/push-command.js";
import type { CreateServiceManager } from "./commands/service-manager.js";
import { EXIT } from "./exit-codes.js";
import { paletteOf, terminalStyle } from "./output/terminal.js";
import { UsageError } from "./usage-error.js";
import { cliVersion } from "./version.js";

/** What the commands are built from; tests replace these to run the CLI with fakes. */
export interface CliDependencies {
  /** Builds the container a push (or doctor) runs in. @default skopush's createDefaultContainer */
  readonly createContainer?: CreatePushContainer | undefined;
  /** Makes the manager of the resident container for `skopush service`. @default the Docker-backed manager */
  readonly createServiceManager?: CreateServiceManager | undefined;
}


/**
 * Runs `skopush` with `argv` (without node and the script); resolves the exit code. Every message built
 * meanwhile names settings as CLI flags (`--ca-cert`), not as the library's option fields (`tls.caFile`).
 */
export const run = (argv: ReadonlyArray<string>, io: CliIo, dependencies: CliDependencies = {}): Promise<number> =>
  withSettingPhrases(CLI_PHRASES, () => runCommand(argv, io, dependencies));

const runCommand = async (argv: ReadonlyArray<string>, io: CliIo, dependencies: CliDependencies): Promise<number> => {
  const [command, ...rest] = argv;
  // Commands and the strategies behind them load on demand: `--help` and `--version` stay instant.
  const createContainer = async () => dependencies.createContainer ?? (await import("skopush")).createDefaultContainer;
  const createServiceManager = async () =>
    dependencies.createServiceManager ?? (await import("./commands/service-manager.js")).defaultServiceManager;
  try {
    switch (command) {
      case "push":
        return await (await import("./commands/push-command.js")).pushCommand(rest, io, await createContainer());
      case "push-many":
        return await (await import("./commands/push-many-command.js")).pushManyCommand(rest, io, await createContainer());
      case "doctor":
        return await (await import("./commands/doctor-command.js")).doctorCommand(rest, io, await createContainer(), await createServiceManager());
      case "service":
        return await (await import("./commands/service-command.js")).serviceCommand(rest, io, await createServiceManager());
      case "help":
        return helpCommand(rest, io, dependencies);
      case "completion":
        return (await import("./commands/completion-command.js")).completionCommand(rest, io);
      case "version":
        if (rest.length > 0) throw new UsageError({ reason: `skopush version takes no argument (${JSON.stringify(rest[0])})` });
        io.stdout.write(`skopush ${cliVersion()}\n`);
        return EXIT.ok;
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
        throw new UsageError({ reason: unknownCommand(command) });
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
  if (topic !== "push" && topic !== "push-many" && topic !== "doctor" && topic !== "service") throw new UsageError({ reason: `no help for ${JSON.stringify(topic)}` });
  return run([topic, "--help"], io, dependencies);
};

/** Commands and what a user may have meant instead: skopeo's `copy`, crane's `push` habits, a flag first. */
const unknownCommand = (command: string): string => {
  const known = "the commands are push, push-many, doctor, service, version, completion, help";
  if (command === "copy") return `skopush has no copy: it pushes an archive with skopush push <archive> <destination> (${known})`;
  if (command.startsWith("-")) return `${command.split("=", 1)[0]} is not a flag of skopush itself; flags come after the command, e.g. skopush push <archive> <destination> ${command.split("=", 1)[0]} (${known})`;
  return `unknown command ${JSON.stringify(command)}; ${known}`;
};
