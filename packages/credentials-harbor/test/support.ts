import { generateKeyPairSync } from "node:crypto";
import { Cause, Effect, Exit, Redacted } from "effect";
import type { Credentials, PushError } from "@skopush/core";
import { HarborApiStandIn, HarborStandInStore, RegistryTokenSigner, type StandInSettings } from "@skopush/testkit/harbor";

/** Accounts every stand-in of these tests knows. */
export const ACCOUNTS = {
  admin: { username: "admin", password: "Harbor:12345$" },
  developer: { username: "dev", password: "dev:pa$$word" },
  puller: { username: "puller", password: "pull:only" },
  projectAdmin: { username: "owner", password: "owner:pw" },
  oidc: { username: "oidc-user", password: "cli-secret:xyz" },
  robot: { username: "robot$skopush+ci", password: "Sk:robot$se:cret" },
  /** A system robot: a project robot's push implies pull since Harbor 2.2, a system robot's does not. */
  pushOnly: { username: "robot$pushonly", password: "PushOnly1" },
  expired: { username: "robot$skopush+expired", password: "Expired1" },
} as const;

const signer = new RegistryTokenSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);

/** A stand-in with the accounts above, project `skopush` (private) and no project `no-such-project`. */
export const startStandIn = async (settings: StandInSettings = {}) => {
  const store = new HarborStandInStore(settings, {
    users: [
      { ...ACCOUNTS.admin, sysadmin: true },
      ACCOUNTS.developer,
      ACCOUNTS.puller,
      ACCOUNTS.projectAdmin,
      { ...ACCOUNTS.oidc, oidc: true },
    ],
    projects: [{ name: "skopush", members: { dev: "developer", puller: "guest", owner: "projectAdmin", "oidc-user": "developer" } }],
    robots: [
      { name: ACCOUNTS.robot.username, secret: ACCOUNTS.robot.password, project: "skopush", actions: ["pull", "push"] },
      { name: ACCOUNTS.pushOnly.username, secret: ACCOUNTS.pushOnly.password, project: "skopush", actions: ["push"], level: "system" },
      { name: ACCOUNTS.expired.username, secret: ACCOUNTS.expired.password, project: "skopush", actions: ["pull", "push"], expiresAt: 1 },
    ],
  });
  const standIn = await HarborApiStandIn.start({ store, signer });
  return {
    standIn,
    store,
    /** `host:port` of the registry: the stand-in itself, whose `/v2/` challenges as Harbor's does (no registry behind it here). */
    registry: standIn.host,
    close: () => standIn.close(),
  };
};

/** The plain answer of an effect: its value, or the typed error it failed with. */
export const outcome = async <A>(effect: Effect.Effect<A, PushError>): Promise<A | PushError> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "Some") return error.value;
  throw Cause.squash(exit.cause);
};

/** `{username, password}` of credentials, for assertions. */
export const plain = (credentials: Credentials | undefined) =>
  credentials && { username: credentials.username, password: Redacted.value(credentials.password) };
