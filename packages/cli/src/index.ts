import "reflect-metadata";

export { run, type CliDependencies } from "./run.js";
export { cliVersion } from "./version.js";
export { start } from "./start.js";
export { processIo, type CliIo } from "./cli-io.js";
export { installInterruptHub, type InterruptHub } from "./interrupt-hub.js";
export { EXIT, exitCodeOf, exitCodeOfSignal, type InterruptSignal } from "./exit-codes.js";
export { UsageError } from "./usage-error.js";
export { parsePushArguments, PUSH_FLAGS, type DestinationInput, type PushArguments } from "./args/push-arguments.js";
export type { CreatePushContainer } from "./commands/push-command.js";
export { pushContainerOptions, type PushPlan } from "./commands/push-composition.js";
export { SERVICE_ACTIONS, type ServiceAction } from "./commands/service-command.js";
export type { CreateServiceManager, ResidentContainerSpec, ResidentContainerStatus, ServiceManager } from "./commands/service-manager.js";
export type { DoctorReport } from "./doctor/doctor-report.js";
export { jsonResultOf, type JsonResult } from "./output/result-output.js";
export { terminalStyle, type OutputStream, type TerminalStyle } from "./output/terminal.js";
