import { API, NAME, type ApiAnswer, type ApiRequest } from "./api-request.js";
import { HarborStandInStore, type RobotAccess } from "./harbor-stand-in-store.js";
import { PROJECT_ROBOT_PERMISSIONS } from "./rbac.js";
import { empty, error, json, parseJson } from "./stand-in-http.js";

// The robot calls of src/server/v2.0/handler/robot.go (Harbor ≥ 2.12), project robots only.

interface RobotRequest {
  readonly name?: unknown;
  readonly description?: unknown;
  readonly level?: unknown;
  readonly duration?: unknown;
  readonly permissions?: ReadonlyArray<{ kind?: unknown; namespace?: unknown; access?: ReadonlyArray<{ resource?: unknown; action?: unknown } | null> } | null>;
}

const badRequest = (message: string): ApiAnswer => ({ response: error(400, "BAD_REQUEST", message) });

/** 401 for anonymous, 403 for anyone else without the right (`RequireProjectAccess`). */
const refusal = (request: ApiRequest): ApiAnswer =>
  HarborStandInStore.isAuthenticated(request.principal)
    ? { response: error(403, "FORBIDDEN", "forbidden") }
    : { response: error(401, "UNAUTHORIZED", "unauthorized") };

/**
 * `POST /robots` (`CreateRobot`), checked in Harbor's order: the name (400), the duration (-1 or > 0),
 * the level and the permissions (each `resource:action` one a project robot may have, else
 * `400 bad request permission: r:a`); then `robot:create` in the project — a system admin always has
 * it, even for a project that does not exist (then 404); anyone else without it, a missing project
 * included, gets 403 (401 anonymous). A robot with `robot:create` (Harbor ≥ 2.12) may create robots no
 * broader than itself (403 DENIED otherwise). Last, a duplicate name is 409.
 */
export const createRobot = (store: HarborStandInStore, request: ApiRequest): ApiAnswer => {
  const body = parseJson(request.body) as RobotRequest | undefined;
  if (!body) return badRequest("invalid request body");
  const { name, level, duration } = body;
  if (typeof name !== "string" || !NAME.test(name)) return badRequest("robot name is not in lower case or contains illegal characters");
  if (typeof duration !== "number" || !Number.isInteger(duration) || !(duration === -1 || (duration > 0 && duration < 2 ** 31 - 1))) {
    return badRequest(`bad request error duration input: ${String(duration)}, duration must be either -1(Never) or a positive integer`);
  }
  if (level !== "project" && level !== "system") return badRequest(`bad request error level input: ${String(level)}`);
  const permissions: NonNullable<RobotRequest["permissions"]> = Array.isArray(body.permissions) ? body.permissions : [];
  if (permissions.length === 0 || permissions.some((p) => !p)) return badRequest("bad request empty permission");
  if (permissions.some((p) => !Array.isArray(p?.access) || p.access.length === 0 || p.access.some((a: unknown) => !a))) return badRequest("bad request empty access");
  if (level === "project" && permissions.length > 1) return badRequest("bad request permission");
  const permission = permissions[0]!;
  if (permission.kind !== "project") return badRequest(`bad request permission level: ${String(permission.kind)}`);
  const access: RobotAccess[] = [];
  for (const item of permission.access ?? []) {
    const key = `${String(item?.resource)}:${String(item?.action)}`;
    if (!PROJECT_ROBOT_PERMISSIONS.has(key)) return badRequest(`bad request permission: ${key}`);
    access.push({ resource: String(item?.resource), action: String(item?.action) });
  }
  // System robots are not modelled: what skopush creates is a project robot.
  if (level !== "project") return badRequest("the stand-in creates project robots only");
  const namespace = String(permission.namespace);
  if (!store.can(request.principal, namespace, "robot", "create")) return refusal(request);
  const principal = request.principal;
  if (principal?.kind === "robot") {
    const creator = new Set(principal.robot.access.map((a) => `${a.resource}:${a.action}`));
    if (principal.robot.project !== namespace || access.some((a) => !creator.has(`${a.resource}:${a.action}`))) {
      return {
        response: error(403, "DENIED", `permission scope is invalid. It must be equal to or more restrictive than the creator robot's permissions: ${principal.robot.name}`),
      };
    }
  }
  const project = store.projects.get(namespace);
  if (!project) return { response: error(404, "NOT_FOUND", `project ${namespace} not found`) };
  const fullName = `${store.robotPrefix}${project.name}+${name}`;
  if (store.robotNamed(fullName)) return { response: error(409, "CONFLICT", `robot account ${project.id}:${project.name}+${name} already exists`) };
  const robot = store.addRobot(project.name, name, access, duration, typeof body.description === "string" ? body.description : "");
  return {
    response: json(
      201,
      { id: robot.id, name: robot.name, secret: robot.secret, creation_time: robot.creationTime, expires_at: robot.expiresAt },
      { location: `${API}/robots/${robot.id}` },
    ),
    robot: { id: robot.id, name: robot.name },
  };
};

/** `GET /robots/{id}` and `DELETE /robots/{id}`: 401 anonymous, 404 unknown, then `robot:read`/`robot:delete` in its project. */
export const readOrDeleteRobot = (store: HarborStandInStore, request: ApiRequest, id: number): ApiAnswer => {
  if (!HarborStandInStore.isAuthenticated(request.principal)) return { response: error(401, "UNAUTHORIZED", "unauthorized") };
  const robot = store.robots.get(id);
  if (!robot) return { response: error(404, "NOT_FOUND", `robot ${id} not found`) };
  const action = request.method === "DELETE" ? "delete" : "read";
  if (!store.can(request.principal, robot.project ?? "", "robot", action)) return refusal(request);
  if (request.method === "DELETE") {
    store.robots.delete(robot.id);
    return { response: empty(200), robot: { id: robot.id, name: robot.name } };
  }
  return {
    response: json(200, {
      id: robot.id,
      name: robot.name,
      level: robot.level,
      disable: robot.disabled,
      expires_at: robot.expiresAt,
      duration: robot.duration,
      description: robot.description,
      permissions: [{ kind: "project", namespace: robot.project, access: robot.access }],
    }),
  };
};
