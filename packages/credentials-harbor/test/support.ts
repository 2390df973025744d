import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
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
  pushOnly: { username: "robot$skopush+pushonly", password: "PushOnly1" },
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
      { name: ACCOUNTS.pushOnly.username, secret: ACCOUNTS.pushOnly.password, project: "skopush", actions: ["push"] },
      { name: ACCOUNTS.expired.username, secret: ACCOUNTS.expired.password, project: "skopush", actions: ["pull", "push"], expiresAt: 1 },
    ],
  });
  const standIn = await HarborApiStandIn.start({ store, signer });
  const registry = await startChallengeRegistry(standIn.realm);
  return {
    standIn,
    store,
    /** `host:port` of the fake registry that challenges with the stand-in's realm. */
    registry: registry.host,
    close: async () => {
      await registry.close();
      await standIn.close();
    },
  };
};

/**
 * A server that answers only `GET /v2/` the way Harbor's registry does without credentials: 401 with a
 * Bearer challenge naming the stand-in's token service. Enough for the provider's validation step.
 */
export const startChallengeRegistry = async (realm: string) => {
  const server = http.createServer((req, res) => {
    res.writeHead(401, {
      "www-authenticate": `Bearer realm="${realm}",service="harbor-registry"`,
      "docker-distribution-api-version": "registry/2.0",
      "content-type": "application/json",
    });
    res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "unauthorized to access repository", detail: null }] }));
    void req;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { host, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
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
