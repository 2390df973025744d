import * as Effect from "effect/Effect";
import * as Redacted from "effect/Redacted";
import type * as Scope from "effect/Scope";
import {
  AccessDenied,
  CredentialsError,
  InvalidReference,
  makeCredentials,
  ProjectNotFound,
  type Credentials,
  type CredentialsProvider,
  type CredentialsQuery,
  type PushError,
  type RetrySettings,
} from "@skopush/core";
import type { TransportOptions } from "@skopush/registry-client";
import { ensureProjectFix, isRobotName } from "./classify-error.js";
import { ephemeralRobot, type EphemeralRobotOptions } from "./ephemeral-robot.js";
import { HarborClient } from "./harbor-client.js";
import type { HarborTlsOptions } from "./harbor-transport.js";
import { TokenServiceClient } from "./token-service-client.js";

/** Options of {@link HarborCredentialsProvider}. */
export interface HarborCredentialsProviderOptions {
  /** Harbor's URL, e.g. `https://harbor.example.com`. */
  readonly url: string;
  /**
   * The account to use: a username and password (a user, a robot `robot$project+name` passed through
   * intact, an OIDC user's CLI secret), or another provider to get them from (environment, auth files).
   */
  readonly credentials: { readonly username: string; readonly password: string } | Credentials | CredentialsProvider;
  /** The registry `host[:port]` this provider answers for. @default the host of {@link url} */
  readonly registry?: string | undefined;
  /** @default verify against the system roots */
  readonly tls?: HarborTlsOptions | undefined;
  /** Create the project (private) when it does not exist. @default false */
  readonly ensureProject?: boolean | undefined;
  /**
   * Push with a project robot created for this push and deleted when it ends, instead of the account
   * itself. The account must be allowed to create robots (project admin or system admin; not an OIDC
   * CLI secret). @default false
   */
  readonly ephemeralRobot?: boolean | EphemeralRobotOptions | undefined;
  /** Check the credentials, and their push and pull rights, before the first push. @default true */
  readonly validate?: boolean | undefined;
  /** Time limit of one HTTP request. @default 30000 */
  readonly timeoutMs?: number | undefined;
  /** Retries of transient failures. @default core's defaultRetrySettings */
  readonly retry?: RetrySettings | undefined;
  /** How to talk HTTP beyond the time limit (name resolution, `User-Agent`). @default the transport's defaults */
  readonly transport?: TransportOptions | undefined;
  /**
   * Harbor's `robot_name_prefix` setting (Administration → Configuration), to tell robot accounts from
   * users in messages and checks. Robot names themselves always pass through intact. @default "robot$"
   */
  readonly robotNamePrefix?: string | undefined;
}

/**
 * Credentials for pushing to Harbor, checked before the push: the account is validated against the
 * token service (a wrong password fails here, not halfway through an upload), the project must exist
 * (or is created with `ensureProject`), the account's push and pull rights are read from a token, and
 * with `ephemeralRobot` a short-lived project robot is created for the push and deleted afterwards.
 */
export class HarborCredentialsProvider implements CredentialsProvider {
  readonly name = "harbor";
  private readonly client: HarborClient;
  private readonly source: CredentialsProvider;

  constructor(private readonly options: HarborCredentialsProviderOptions) {
    this.client = new HarborClient({ url: options.url, tls: options.tls, timeoutMs: options.timeoutMs, retry: options.retry, transport: options.transport, robotNamePrefix: options.robotNamePrefix });
    this.source = toProvider(options.credentials);
  }

  /** `host[:port]` this provider answers for. */
  get registry(): string {
    return (this.options.registry ?? this.client.registry).toLowerCase();
  }

  resolve(query: CredentialsQuery): Effect.Effect<Credentials | undefined, PushError, Scope.Scope> {
    const options = this.options;
    const registry = this.registry;
    const self = this;
    return Effect.gen(function* () {
      if (query.registry.toLowerCase() !== registry) return undefined;
      const endpoint = self.client.endpoint;
      if (endpoint instanceof InvalidReference) return yield* Effect.fail(endpoint);
      const [project, ...rest] = query.repository.split("/");
      if (!project || rest.length === 0) {
        return yield* Effect.fail(
          new InvalidReference({
            input: query.repository,
            part: "project",
            reason: "is missing: Harbor repositories are <project>/<repository> (Harbor answers 400 and docker retries forever otherwise)",
          }),
        );
      }
      const account = yield* self.source.resolve(query);
      if (account === undefined) {
        return yield* Effect.fail(
          new CredentialsError({
            source: `harbor (${self.source.name})`,
            reason: `no credentials for ${registry}; Harbor accepts no anonymous push`,
            fix: "pass a username and password, set SKOPUSH_USERNAME and SKOPUSH_PASSWORD, or log in with skopeo/docker",
          }),
        );
      }
      const client = self.client.withCredentials(account);
      const tokens = new TokenServiceClient({
        registryUrl: `${endpoint.scheme}://${registry}`,
        tls: options.tls,
        timeoutMs: options.timeoutMs,
        retry: options.retry,
        transport: options.transport,
        robotNamePrefix: options.robotNamePrefix,
      });
      const validate = options.validate ?? true;
      if (validate) yield* tokens.validate(account);

      if (options.ensureProject) {
        yield* client.ensureProject(project);
      } else if (!(yield* client.findProject(project))) {
        return yield* Effect.fail(yield* unseenProject(client, registry, project, isRobotName(account.username, options.robotNamePrefix)));
      }

      if (options.ephemeralRobot) {
        yield* assertCanCreateRobots(client, account, isRobotName(account.username, options.robotNamePrefix));
        const robot = yield* ephemeralRobot(client, project, query.repository, options.ephemeralRobot === true ? {} : options.ephemeralRobot);
        return makeCredentials(robot.name, Redacted.value(robot.secret));
      }

      // Read the rights after the project exists: Harbor ≥ 2.13.5 refuses tokens older than their project.
      if (validate) {
        const actions = yield* tokens.grantedActions(account, query.repository);
        if (actions !== undefined) yield* checkRights(registry, query.repository, account.username, isRobotName(account.username, options.robotNamePrefix), actions);
      }
      return account;
    });
  }
}

const toProvider = (credentials: HarborCredentialsProviderOptions["credentials"]): CredentialsProvider => {
  if ("resolve" in credentials) return credentials;
  const plain = typeof credentials.password === "string" ? makeCredentials(credentials.username, credentials.password) : (credentials as Credentials);
  return { name: "explicit", resolve: () => Effect.succeed(plain) };
};

/** Push needs push; Harbor's push also needs pull, or blob HEADs fail with 401 (goharbor/harbor#13973). */
const checkRights = (registry: string, repository: string, username: string, robot: boolean, actions: ReadonlyArray<string>) => {
  const has = (action: string) => actions.includes(action) || actions.includes("*");
  if (has("push") && has("pull")) return Effect.void;
  if (has("push")) {
    return Effect.fail(
      new AccessDenied({
        registry,
        repository,
        reason: `${JSON.stringify(username)} may push but not pull; Harbor then refuses the blob checks of a push with 401 (goharbor/harbor#13973)`,
        fix: robot
          ? "give the robot the repository pull permission together with push (a project robot's push includes pull since Harbor 2.2; a system robot's does not)"
          : "give the account a role with pull and push (Developer or above)",
      }),
    );
  }
  return Effect.fail(
    new AccessDenied({
      registry,
      repository,
      reason: `${JSON.stringify(username)} may ${has("pull") ? "pull but not push" : "neither pull nor push"} here`,
      fix: robot
        ? "use a robot of this project with repository push and pull permissions (a robot belongs to one project)"
        : "make the account a member of the project with the Developer role or above",
    }),
  );
};

/**
 * Why the account does not see `project` in the project list: Harbor lists only public projects and those
 * the account belongs to. `HEAD /projects?project_name=` tells a missing project from one the account may
 * not use, except to an OIDC CLI secret (Harbor answers it 401 there).
 */
const unseenProject = (client: HarborClient, registry: string, project: string, robot: boolean) =>
  client.projectExists(project).pipe(
    Effect.map((exists): AccessDenied | ProjectNotFound =>
      exists
        ? new AccessDenied({
            registry,
            repository: project,
            reason: `project "${project}" exists, but the account is not a member of it`,
            fix: robot
              ? "use a robot of this project with repository push and pull permissions (a project robot belongs to one project)"
              : "make the account a member of the project with the Developer role or above",
          })
        : new ProjectNotFound({ registry, project, fix: ensureProjectFix() }),
    ),
    Effect.catchTag("AuthenticationFailed", () =>
      Effect.succeed(
        new ProjectNotFound({
          registry,
          project,
          fix: `${ensureProjectFix()}; if it does exist, make the account a member: Harbor lists only the projects an account belongs to, and tells an OIDC CLI secret nothing more`,
        }),
      ),
    ),
  );

/** OIDC CLI secrets are anonymous on /robots: say so before trying, rather than failing with a 401. */
const assertCanCreateRobots = (client: HarborClient, account: Credentials, robot: boolean) =>
  Effect.gen(function* () {
    if (robot) return;
    const info = yield* client.systemInfo();
    if (info.auth_mode !== "oidc_auth") return;
    yield* client.currentUser().pipe(
      Effect.catchTag("AuthenticationFailed", () =>
        Effect.fail(
          new CredentialsError({
            source: `Harbor ${client.registry}`,
            reason: `${JSON.stringify(account.username)} logs in with an OIDC CLI secret, which Harbor accepts for pushes but not for creating robot accounts`,
            fix: "turn off ephemeralRobot and push with the CLI secret itself, or use a robot account or a local admin to create robots",
          }),
        ),
      ),
    );
  });
