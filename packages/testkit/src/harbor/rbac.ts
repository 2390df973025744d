/** A project member's role, as Harbor names them. */
export type ProjectRole = "projectAdmin" | "maintainer" | "developer" | "guest" | "limitedGuest";

const policies = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/).filter((p) => p.length > 0));

// Transcribed from goharbor/harbor src/common/rbac/project/rbac_role.go: `resource:action`, where the
// empty resource is the project itself (ResourceSelf), so `:read` is "read the project".
const ROLE_POLICIES: Readonly<Record<ProjectRole, ReadonlySet<string>>> = {
  projectAdmin: policies(`
    :read :update :delete member:create member:read member:update member:delete member:list metadata:create metadata:read
    metadata:update metadata:delete log:list label:create label:read label:update label:delete label:list quota:read
    repository:create repository:read repository:update repository:delete repository:list repository:pull repository:push
    tag-retention:create tag-retention:read tag-retention:update tag-retention:delete tag-retention:list tag-retention:operate
    immutable-tag:create immutable-tag:update immutable-tag:delete immutable-tag:list configuration:read configuration:update
    robot:create robot:read robot:update robot:delete robot:list notification-policy:create notification-policy:update
    notification-policy:delete notification-policy:list notification-policy:read scan:create scan:read scan:stop sbom:create
    sbom:stop sbom:read scanner:read scanner:create artifact:create artifact:read artifact:delete artifact:list
    artifact-addition:read tag:list tag:create tag:delete accessory:list artifact-label:create artifact-label:delete
    preheat-policy:create preheat-policy:read preheat-policy:update preheat-policy:delete preheat-policy:list export-cve:create
    export-cve:read export-cve:list`),
  maintainer: policies(`
    :read member:read member:list metadata:read quota:read label:create label:read label:update label:delete label:list
    repository:create repository:read repository:update repository:delete repository:list repository:push repository:pull
    tag-retention:create tag-retention:read tag-retention:update tag-retention:delete tag-retention:list tag-retention:operate
    accessory:list immutable-tag:create immutable-tag:update immutable-tag:delete immutable-tag:list configuration:read
    robot:read robot:list notification-policy:read notification-policy:list scan:create scan:read scan:stop sbom:create
    sbom:stop sbom:read scanner:read artifact:create artifact:read artifact:delete artifact:list artifact-addition:read
    tag:list tag:create tag:delete artifact-label:create artifact-label:delete export-cve:create export-cve:read export-cve:list`),
  developer: policies(`
    :read member:read member:list label:read label:list quota:read repository:create repository:read repository:update
    repository:list repository:push repository:pull tag-retention:create tag-retention:read tag-retention:update
    tag-retention:delete tag-retention:list tag-retention:operate configuration:read robot:read robot:list scan:read sbom:read
    scanner:read artifact:create artifact:read artifact:list artifact-addition:read tag:list tag:create accessory:list
    artifact-label:create artifact-label:delete export-cve:create export-cve:read export-cve:list`),
  guest: policies(`
    :read member:read member:list label:read label:list quota:read repository:read repository:list repository:pull
    configuration:read robot:read robot:list scan:read sbom:read scanner:read tag:list accessory:list artifact:read
    artifact:list artifact-addition:read`),
  limitedGuest: policies(`
    :read quota:read repository:list repository:read repository:pull configuration:read scan:read sbom:read scanner:read
    tag:list accessory:list artifact:read artifact:list artifact-addition:read`),
};

// src/common/rbac/project/rbac_util.go: what everyone (anonymous included) may do in a public project.
const PUBLIC_PROJECT_POLICIES = policies(`
  :read label:read label:list repository:list repository:pull scan:read scanner:read tag:list artifact:read artifact:list
  artifact-addition:read accessory:list`);

/**
 * Every `resource:action` a project robot may be given (src/common/rbac/const.go: `PoliciesMap[ScopeProject]`
 * plus what `NolimitProvider` adds, robot creation among them since Harbor 2.12). Anything else is
 * `400 bad request permission: resource:action` (src/server/v2.0/handler/robot.go).
 */
export const PROJECT_ROBOT_PERMISSIONS = policies(`
  log:list project:read project:delete project:update metadata:read metadata:create metadata:delete metadata:list
  metadata:update repository:read repository:update repository:delete repository:list repository:pull repository:push
  artifact:read artifact:create artifact:list artifact:delete scan:create scan:read scan:stop sbom:create sbom:stop sbom:read
  tag:create tag:list tag:delete accessory:list artifact-addition:read artifact-label:create artifact-label:delete
  scanner:create scanner:read preheat-policy:read preheat-policy:create preheat-policy:delete preheat-policy:list
  preheat-policy:update immutable-tag:create immutable-tag:delete immutable-tag:list immutable-tag:update
  notification-policy:read notification-policy:create notification-policy:delete notification-policy:list
  notification-policy:update tag-retention:read tag-retention:create tag-retention:delete tag-retention:list
  tag-retention:update label:read label:create label:delete label:list label:update quota:read
  robot:create robot:read robot:list robot:delete export-cve:create export-cve:read member:create member:read member:update
  member:list member:delete`);

/** What a role may do in its project, plus what a public project lets everyone do. */
export const policiesOfRole = (role: ProjectRole | undefined, isPublic: boolean): ReadonlySet<string> =>
  new Set([...(role ? ROLE_POLICIES[role] : []), ...(isPublic ? PUBLIC_PROJECT_POLICIES : [])]);

/**
 * A robot's policies in one project (src/common/security/robot/context.go): its `project` permission is the
 * project itself; a PROJECT robot's push also grants pull (`filterRobotPolicies`, since Harbor 2.2), a
 * system robot's does not.
 */
export const policiesOfRobot = (access: ReadonlyArray<{ resource: string; action: string }>, level: "project" | "system", isPublic: boolean): ReadonlySet<string> => {
  const result = new Set<string>(isPublic ? PUBLIC_PROJECT_POLICIES : []);
  for (const { resource, action } of access) {
    const own = resource === "project" ? "" : resource;
    result.add(`${own}:${action}`);
    if (level === "project" && resource === "repository" && action === "push") result.add("repository:pull");
  }
  return result;
};
