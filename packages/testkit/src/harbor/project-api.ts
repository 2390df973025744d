import { API, NAME, type ApiAnswer, type ApiRequest } from "./api-request.js";
import { HarborStandInStore, type StandInProject } from "./harbor-stand-in-store.js";
import { empty, error, json, parseJson } from "./stand-in-http.js";

// The project calls of src/server/v2.0/handler/project.go, with the permission checks of its BaseAPI
// (src/server/v2.0/handler/base.go).

const unauthorized = () => error(401, "UNAUTHORIZED", "unauthorized");
const notFound = (name: string | number) => error(404, "NOT_FOUND", `project ${name} not found`);

/** The project's JSON (`models.Project` of swagger.yaml), as much of it as a client reads. */
export const projectJson = (project: StandInProject) => ({
  project_id: project.id,
  name: project.name,
  registry_id: 0,
  repo_count: 0,
  metadata: { public: String(project.public) },
  creation_time: project.creationTime,
  update_time: project.creationTime,
});

/** `HEAD /projects?project_name=`: any authenticated account may ask (`HeadProject`). */
export const headProject = (store: HarborStandInStore, request: ApiRequest): ApiAnswer => {
  if (!HarborStandInStore.isAuthenticated(request.principal)) return { response: unauthorized() };
  const name = request.query.get("project_name") ?? "";
  return { response: store.projects.has(name) ? empty(200) : notFound(name) };
};

/**
 * `GET /projects` (`ListProjects`): `name` is a fuzzy (substring) match; a system admin sees every
 * project, a user the public ones and those they are a member of, a robot the public ones and its own,
 * anonymous the public ones. Paged: `page` from 1, `page_size` 10 by default and at most 100 (more is
 * a validation error, 422), `X-Total-Count` and a `Link` to the next and previous pages.
 */
export const listProjects = (store: HarborStandInStore, request: ApiRequest): ApiAnswer => {
  const page = Number(request.query.get("page") ?? "1");
  const pageSize = Number(request.query.get("page_size") ?? "10");
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 0 || pageSize > 100) {
    return { response: error(422, "UNPROCESSABLE_ENTITY", "validation failure list:\npage_size in query should be less than or equal to 100") };
  }
  const name = request.query.get("name") ?? "";
  const principal = request.principal;
  const visible = (project: StandInProject): boolean => {
    if (!HarborStandInStore.isAuthenticated(principal) || principal.kind === "token") return project.public;
    if (principal.kind === "user") return principal.user.sysadmin || project.public || project.members.has(principal.user.username);
    return project.public || principal.robot.project === project.name;
  };
  const matching = [...store.projects.values()].filter((p) => p.name.includes(name) && visible(p)).sort((a, b) => a.name.localeCompare(b.name));
  const slice = pageSize === 0 ? matching : matching.slice((page - 1) * pageSize, page * pageSize);
  const links: string[] = [];
  const link = (to: number) => {
    const query = new URLSearchParams(request.query);
    query.set("page", String(to));
    query.set("page_size", String(pageSize));
    return `<${request.rawPath}?${query.toString()}>`;
  };
  if (pageSize > 0 && page > 1 && (page - 1) * pageSize < matching.length) links.push(`${link(page - 1)}; rel="prev"`);
  if (pageSize > 0 && page * pageSize < matching.length) links.push(`${link(page + 1)}; rel="next"`);
  const headers: Record<string, string> = { "x-total-count": String(matching.length) };
  if (links.length > 0) headers["link"] = links.join(" , ");
  return { response: json(200, slice.map(projectJson), headers) };
};

/**
 * `GET /projects/{project_name_or_id}` (`GetProject`): needs project read (`RequireProjectAccess`), so a
 * non-member of a private project gets 403, anonymous 401. A project that does not exist is 403 too for
 * anyone but a system admin, who gets 404. A number is an ID unless `X-Is-Resource-Name: true`.
 */
export const getProject = (store: HarborStandInStore, request: ApiRequest, key: string): ApiAnswer => {
  const byName = request.headers["x-is-resource-name"] === "true" || !/^-?\d+$/.test(key);
  const project = byName ? store.projects.get(key) : store.projectWithId(Number(key));
  if (!store.can(request.principal, project?.name ?? "", "", "read")) {
    return { response: HarborStandInStore.isAuthenticated(request.principal) ? error(403, "FORBIDDEN", "forbidden") : unauthorized() };
  }
  return { response: project ? json(200, projectJson(project)) : notFound(key) };
};

/**
 * `POST /projects` (`CreateProject`): 401 anonymous; 403 for project robots and, with
 * `project_creation_restriction=adminonly`, for anyone but a system admin. The quota is the site's
 * `storage_per_project` unless a system admin sends another `storage_limit` (-1 = unlimited). Then the
 * name is checked (400) and taken (409).
 */
export const createProject = (store: HarborStandInStore, request: ApiRequest): ApiAnswer => {
  const principal = request.principal;
  if (!HarborStandInStore.isAuthenticated(principal) || principal.kind === "token") return { response: unauthorized() };
  const admin = principal.kind === "user" && principal.user.sysadmin;
  if (principal.kind === "robot" && principal.robot.level === "project") {
    return { response: error(403, "FORBIDDEN", "Only system level robot can create project") };
  }
  if (store.projectCreationRestriction === "adminonly" && !admin) return { response: error(403, "FORBIDDEN", "Only system admin can create project") };
  const body = parseJson(request.body) as { project_name?: unknown; metadata?: { public?: unknown }; public?: unknown; storage_limit?: unknown } | undefined;
  const name = typeof body?.project_name === "string" ? body.project_name : "";
  const asked = typeof body?.storage_limit === "number" ? body.storage_limit : undefined;
  const storageLimit = asked === undefined || asked === 0 || !admin ? store.storagePerProject : asked;
  const isPublic = body?.metadata?.public ?? (typeof body?.public === "boolean" ? String(body.public) : "false");
  if (isPublic !== "true" && isPublic !== "false") {
    return { response: error(400, "BAD_REQUEST", `metadata.public should only be 'true' or 'false', but got: '${String(isPublic)}'`) };
  }
  if (storageLimit !== -1 && !(Number.isInteger(storageLimit) && storageLimit > 0)) {
    return { response: error(400, "BAD_REQUEST", `invalid value ${storageLimit} of storage resource, the value must be -1 or a positive integer`) };
  }
  if (name.length < 1 || name.length > 255) {
    return { response: error(400, "BAD_REQUEST", `Project name ${name} is illegal in length. (greater than 255 or less than 1)`) };
  }
  if (!NAME.test(name)) return { response: error(400, "BAD_REQUEST", "project name is not in lower case or contains illegal characters") };
  if (store.projects.has(name)) return { response: error(409, "CONFLICT", `The project named ${name} already exists`) };
  const owner = principal.kind === "user" ? principal.user.username : undefined;
  const project = store.addProject(name, isPublic === "true", owner, storageLimit);
  const location = request.headers["x-resource-name-in-location"] === "true" ? project.name : String(project.id);
  return { response: empty(201, { location: `${API}/projects/${location}` }) };
};
