import { container as rootContainer, type DependencyContainer } from "tsyringe";
import { registerCredentialsProvider, registerStrategy } from "@skopush/core";
import { defaultCredentialsProviders } from "@skopush/credentials-docker";
import { registerDockerExecStrategy, type DockerExecOptions } from "@skopush/strategy-docker-exec";
import { NATIVE_SKOPEO_OPTIONS, type NativeSkopeoOptions } from "@skopush/strategy-native";
import { registerRegistryPushStrategy, type RegistryPushOptions } from "@skopush/strategy-registry";
import { AUDIT_LOG, AuditedNativeSkopeoStrategy, type AuditLog } from "./audited-native-strategy.js";

/** Options of {@link composeChain}. */
export interface ComposeChainOptions {
  readonly audit: AuditLog;
  readonly native?: NativeSkopeoOptions | undefined;
  readonly registry?: RegistryPushOptions | undefined;
  readonly dockerExec?: DockerExecOptions | undefined;
  /** @default tsyringe's root container */
  readonly parent?: DependencyContainer | undefined;
}

/**
 * A chain for a build farm whose machines all have skopeo but rarely a resident container: the audited
 * native strategy first, the pure TypeScript client second, docker-exec last; dockerode left out.
 * Registration order is the chain's order.
 */
export const composeChain = (options: ComposeChainOptions): DependencyContainer => {
  const container = (options.parent ?? rootContainer).createChildContainer();
  container.register<AuditLog>(AUDIT_LOG, { useValue: options.audit });
  if (options.native) container.register<NativeSkopeoOptions>(NATIVE_SKOPEO_OPTIONS, { useValue: options.native });
  registerStrategy(container, AuditedNativeSkopeoStrategy);
  registerRegistryPushStrategy(container, options.registry);
  registerDockerExecStrategy(container, options.dockerExec);
  for (const provider of defaultCredentialsProviders()) registerCredentialsProvider(container, provider);
  return container;
};
