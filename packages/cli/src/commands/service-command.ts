import { SERVICE_FLAGS } from "../args/command-flags.js";
import { parseOptions, stringFlag } from "../args/parse-options.js";
import { SERVICE_USAGE } from "../args/usage.js";
import type { CliIo } from "../cli-io.js";
import { EXIT } from "../exit-codes.js";
import { paletteOf, terminalStyle, type Palette } from "../output/terminal.js";
import { UsageError } from "../usage-error.js";
import { DEFAULT_RESIDENT_NAME, sharedDirectoryOf } from "./resident-settings.js";
import { reapDeadPushTemporaries } from "skopush";
import type { CreateServiceManager, ResidentContainerStatus, ServiceManager } from "./service-manager.js";

export type { CreateServiceManager } from "./service-manager.js";

/** The actions of `skopush service`. */
export const SERVICE_ACTIONS = ["create", "start", "stop", "restart", "status", "logs", "rm"] as const;

/** One action of `skopush service`. */
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

const isAction = (word: string | undefined): word is ServiceAction => (SERVICE_ACTIONS as ReadonlyArray<string | undefined>).includes(word);

const CREATE_ONLY = ["image", "shared-dir", "network"] as const;

/** `skopush service <action>`: manages the resident skopeo container. */
export const serviceCommand = async (argv: ReadonlyArray<string>, io: CliIo, createManager: CreateServiceManager): Promise<number> => {
  await reapDeadPushTemporaries();
  const parsed = parseOptions("service", argv, SERVICE_FLAGS);
  if (parsed.booleans.has("help")) {
    io.stdout.write(SERVICE_USAGE);
    return EXIT.ok;
  }
  const [action, ...extra] = parsed.positionals;
  if (!isAction(action)) {
    throw new UsageError({
      reason: action === undefined ? "missing <action>: create, start, stop, restart, status, logs or rm" : `unknown action ${JSON.stringify(action)}; the actions are ${SERVICE_ACTIONS.join(", ")}`,
      command: "service",
    });
  }
  if (extra.length > 0) throw new UsageError({ reason: `unexpected argument ${JSON.stringify(extra[0])}`, command: "service" });
  if (action !== "create") {
    const misplaced = CREATE_ONLY.find((flag) => stringFlag(parsed, flag) !== undefined);
    if (misplaced) throw new UsageError({ reason: `--${misplaced} only applies to service create`, command: "service" });
  }
  const tailText = stringFlag(parsed, "tail");
  if (tailText !== undefined && action !== "logs") throw new UsageError({ reason: "--tail only applies to service logs", command: "service" });
  const tail = tailText === undefined ? undefined : Number(tailText);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new UsageError({ reason: "--tail needs a whole number of lines", command: "service" });

  const json = parsed.booleans.has("json");
  const palette = paletteOf(terminalStyle(io.stdout, io.env));
  try {
    const manager = createManager({
      name: stringFlag(parsed, "name") ?? DEFAULT_RESIDENT_NAME,
      image: stringFlag(parsed, "image"),
      sharedDir: sharedDirectoryOf(stringFlag(parsed, "shared-dir"), io.env).hostPath,
      network: stringFlag(parsed, "network"),
      env: io.env,
    });
    if (action === "logs") {
      const logs = await manager.logs({ tail });
      io.stdout.write(json ? `${JSON.stringify({ action, logs })}\n` : logs);
      return EXIT.ok;
    }
    const status = await perform(manager, action);
    io.stdout.write(json ? `${JSON.stringify({ action, ...status })}\n` : statusLine(action, status, palette));
    return action === "status" && !status.running ? EXIT.failed : EXIT.ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (json) io.stdout.write(`${JSON.stringify({ action, status: "error", error: errorTag(error), message })}\n`);
    io.stderr.write(`${paletteOf(terminalStyle(io.stderr, io.env)).red("✖")} ${message}\n`);
    return EXIT.failed;
  }
};

const perform = (manager: ServiceManager, action: Exclude<ServiceAction, "logs">): Promise<ResidentContainerStatus> => {
  switch (action) {
    case "create":
      return manager.create();
    case "start":
      return manager.start();
    case "stop":
      return manager.stop();
    case "restart":
      return manager.restart();
    case "status":
      return manager.status();
    case "rm":
      return manager.remove();
  }
};

const statusLine = (action: ServiceAction, status: ResidentContainerStatus, palette: Palette): string => {
  const state = !status.exists ? "does not exist" : status.running ? palette.green("running") : palette.yellow("stopped");
  const details = [
    status.image ? `image ${status.image}` : undefined,
    status.network ? `network ${status.network}` : undefined,
    ...(status.mounts ?? []).map((mount) => `mount ${mount.source}:${mount.destination}`),
  ].filter((part) => part !== undefined);
  const verb = { create: "created", start: "started", stop: "stopped", restart: "restarted", status: "", rm: "removed", logs: "" }[action];
  const note = status.note ? `; ${status.note}` : "";
  return `${verb ? `${verb}: ` : ""}${status.name} ${state}${details.length > 0 ? ` (${details.join(", ")})` : ""}${note}\n`;
};

/** The error's tag (`ContainerLifecycleError`), else its name. */
const errorTag = (error: unknown): string => {
  const tag = (error as { _tag?: unknown } | undefined)?._tag;
  if (typeof tag === "string") return tag;
  return error instanceof Error ? error.name : "Error";
};
