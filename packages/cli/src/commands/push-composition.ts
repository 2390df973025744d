import { makeCredentials, type ImageReference, type TlsSettings } from "@skopush/core";
import type { DefaultContainerOptions } from "skopush";
import type { PushArguments } from "../args/push-arguments.js";
import { DEFAULT_RESIDENT_NAME, residentContainerSettings, sharedDirectoryOf } from "./resident-settings.js";

/** What the push command has checked and gathered before it builds the container. */
export interface PushPlan {
  readonly args: PushArguments;
  readonly destination: ImageReference;
  /** The `--password-stdin` password, with `args.username`. */
  readonly password?: string | undefined;
  readonly tls: TlsSettings;
  /** `https` unless `--harbor-url` named `http://`. */
  readonly scheme: "http" | "https";
  /** Harbor's URL for its API: `--harbor-url`, else the destination's registry over https. */
  readonly harborUrl: string;
  /** PEM text of the `--cert-dir` CAs, for Harbor's API client. */
  readonly harborCa?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The options of the push's container: the chosen strategies in order; explicit credentials only for
 * the destination's registry, then the environment and auth files; a Harbor provider in front when a
 * Harbor feature was asked for.
 */
export const pushContainerOptions = (plan: PushPlan): DefaultContainerOptions => {
  const { args, destination, env } = plan;
  const explicit =
    args.username !== undefined && plan.password !== undefined ? makeCredentials(args.username, plan.password, "--username and --password-stdin") : undefined;
  const harbor = args.ensureProject || args.ephemeralRobot;
  const resident = args.container !== undefined || args.sharedDir !== undefined;
  return {
    order: args.strategies,
    strategies: resident
      ? residentContainerSettings(args.container ?? DEFAULT_RESIDENT_NAME, sharedDirectoryOf(args.sharedDir, env).hostPath)
      : undefined,
    env,
    credentialsProviders: { env, credentials: explicit, registry: explicit ? destination.registry : undefined, authFile: args.authFile },
    harbor: harbor
      ? {
          url: plan.harborUrl,
          registry: destination.registry,
          ensureProject: args.ensureProject,
          ephemeralRobot: args.ephemeralRobot,
          tls: { caFile: plan.tls.caFile, ca: plan.harborCa, insecure: !plan.tls.verify },
        }
      : undefined,
  };
};
