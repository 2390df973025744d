import {
  AccessDenied,
  AuthenticationFailed,
  CredentialsError,
  ProjectNotFound,
  QuotaExceeded,
  redactSecrets,
  RegistryError,
  settingPhrase,
  type PushError,
} from "@skopush/core";
import { classifyTransport, parseRegistryErrorBody, retryAfterMs, type HttpResponse, type TransportError } from "@skopush/registry-client";

/** The Harbor call that got the answer being classified. */
export type HarborOperation =
  | "ping"
  | "systemInfo"
  | "currentUser"
  | "projectExists"
  | "findProject"
  | "ensureProject"
  | "createRobot"
  | "deleteRobot"
  | "getArtifact"
  | "registryPing"
  | "token";

/** What the classifier knows about the call, for precise messages. Secrets are only used to redact. */
export interface HarborCallContext {
  /** `host[:port]` of Harbor. */
  readonly registry: string;
  readonly operation: HarborOperation;
  readonly username?: string | undefined;
  readonly project?: string | undefined;
  readonly repository?: string | undefined;
  /** Harbor's `robot_name_prefix`, to tell robots from users in messages. @default "robot$" */
  readonly robotPrefix?: string | undefined;
  /** Removed from every message. */
  readonly secrets?: ReadonlyArray<string | undefined> | undefined;
}

/** How to make Harbor create a missing project, in the caller's terms. */
export const ensureProjectFix = (): string => `create the project in Harbor, or let skopush create it: ${settingPhrase("ensureProject")}`;

/** Harbor's default `robot_name_prefix`; an administrator may change it (e.g. `robot_`). */
export const DEFAULT_ROBOT_NAME_PREFIX = "robot$";

const QUOTA = /will exceed the configured upper limit/i;
const READ_ONLY = /read only mode/i;
const CSRF = /CSRF token/i;
const PROJECT_NOT_FOUND = /project .* not found/i;

/** True for Harbor robot account names: those starting with the site's `robot_name_prefix`. */
export const isRobotName = (username: string | undefined, prefix: string = DEFAULT_ROBOT_NAME_PREFIX): boolean =>
  username !== undefined && username.startsWith(prefix);

/** `{"errors":[{"code","message"}]}` → the first code and the messages (Harbor's doubled `X: X` said once). */
export const parseHarborErrorBody = (body: Uint8Array): { code?: string | undefined; message?: string | undefined } => {
  const { errors } = parseRegistryErrorBody(body);
  const messages = errors.map((e) => e.message ?? "").filter((m) => m.length > 0);
  return { code: errors[0]?.code, message: messages.join("; ") || undefined };
};

/** What to check when Harbor refuses these credentials. */
export const authenticationFix = (username: string | undefined, robotPrefix?: string): string =>
  isRobotName(username, robotPrefix)
    ? "check the robot's full name as Harbor shows it (robot$project+name) and its secret; a robot that is expired, disabled or was deleted is refused exactly like a wrong secret (check it under Project > Robot Accounts or GET /api/v2.0/robots/{id}); in shells, quote the name: \"$project\" expands"
    : "check the username and password; OIDC users log in with their CLI secret (Harbor UI > User Profile), not the identity provider's password";

/**
 * Maps a Harbor answer that is not a success to skopush's error vocabulary: 401 → AuthenticationFailed,
 * 403 quota → QuotaExceeded, 403 CSRF → a RegistryError saying cookies must not be sent, other 403 →
 * AccessDenied, 404 on a project → ProjectNotFound, 412 from `/users/current` → a robot cannot do this,
 * 429 and 5xx → RegistryError (retryable where core says so). Messages never carry a secret.
 */
export const classifyHarborResponse = (response: Pick<HttpResponse, "status" | "headers" | "body">, context: HarborCallContext): PushError => {
  const { code, message } = parseHarborErrorBody(response.body);
  const clean = (text: string) => redactSecrets(text, context.secrets ?? [], context.username);
  const said = clean(message ?? (response.body.toString("utf8").trim().slice(0, 200) || `HTTP ${response.status}`));
  const { registry, username, project, operation } = context;
  const what = context.repository ? `${project}/${context.repository}` : (project ?? "");

  switch (response.status) {
    case 401:
      return new AuthenticationFailed({
        registry,
        username,
        reason: `Harbor answered 401 to ${operation}${said ? `: ${said}` : ""}`,
        fix:
          operation === "createRobot" || operation === "currentUser"
            ? "this account logged in, but Harbor treats it as anonymous here: OIDC CLI secrets are refused by /robots and /users/current, so they cannot create robot accounts; use a Harbor admin or project-admin account, or turn off ephemeralRobot"
            : authenticationFix(username, context.robotPrefix),
      });
    case 403:
      if (QUOTA.test(said)) return new QuotaExceeded({ registry, detail: said });
      if (READ_ONLY.test(said)) {
        return new RegistryError({
          registry,
          status: 403,
          code,
          reason: `Harbor refused ${operation}: it is in read-only mode ("${said}"), which an administrator turns on for upgrades, migrations or garbage collection; try again when it is off`,
        });
      }
      if (CSRF.test(said)) {
        return new RegistryError({
          registry,
          status: 403,
          code,
          reason: `Harbor refused ${operation} as a CSRF attempt ("${said}"): the request carried Harbor's session cookie (sid). API clients must not send cookies; skopush never does, so a proxy or HTTP client in between is adding them: drop the cookie jar`,
        });
      }
      return new AccessDenied({
        registry,
        repository: what,
        reason: `Harbor refused ${operation}${said ? `: ${said}` : ""}`,
        fix:
          operation === "ensureProject"
            ? `creating projects may be limited to admins (project_creation_restriction=adminonly), and project robots cannot create projects: ask an admin to create "${project}", or use an account allowed to`
            : operation === "createRobot"
              ? `ephemeralRobot needs an account that may create robots in "${project}": a project admin or a system admin, or (Harbor ≥ 2.12) a robot of the project with the robot create permission and at least the new robot's permissions (repository pull and push, artifact read); OIDC CLI secrets cannot`
              : undefined,
      });
    case 404:
      if (project !== undefined && (operation !== "getArtifact" || PROJECT_NOT_FOUND.test(said))) {
        return new ProjectNotFound({ registry, project, fix: ensureProjectFix() });
      }
      return new RegistryError({ registry, status: 404, code, reason: `${operation}: ${said}` });
    case 412:
      if (operation === "currentUser") {
        return new CredentialsError({
          source: `Harbor ${registry}`,
          reason: `${username === undefined ? "the account" : JSON.stringify(username)} is a robot account: Harbor answers 412 PRECONDITION when a robot asks for /users/current`,
          fix: "use a user account (project admin or system admin) for what needs one, such as ephemeralRobot",
        });
      }
      return new RegistryError({ registry, status: 412, code, reason: `${operation}: ${said}` });
    default:
      return new RegistryError({
        registry,
        status: response.status,
        code,
        reason: `${operation}: ${said}${response.status === 413 ? " (a proxy in front of Harbor limits the request size)" : ""}`,
        retryAfterMs: retryAfterMs(response.headers["retry-after"]),
      });
  }
};

/** Maps a Harbor call that got no answer (TLS failures, timeouts, refused connections) to the error vocabulary. */
export const classifyTransportError = (error: TransportError, context: Pick<HarborCallContext, "registry" | "operation" | "username" | "secrets">): PushError =>
  classifyTransport({ registry: context.registry, what: `Harbor ${context.operation}`, component: "harbor", username: context.username, secrets: context.secrets }, error);
