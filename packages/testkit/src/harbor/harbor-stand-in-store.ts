import { randomBytes } from "node:crypto";

/** A project member's role, as Harbor names them. */
export type ProjectRole = "projectAdmin" | "maintainer" | "developer" | "guest" | "limitedGuest";

/** A user account of the stand-in. */
export interface StandInUser {
  readonly id: number;
  readonly username: string;
  /** The password, or for an OIDC user the CLI secret. */
  readonly password: string;
  readonly sysadmin: boolean;
  /** An OIDC user: the password is a CLI secret, accepted only where Harbor accepts CLI secrets. */
  readonly oidc: boolean;
}

/** A project of the stand-in. */
export interface StandInProject {
  readonly id: number;
  readonly name: string;
  readonly public: boolean;
  readonly members: Map<string, ProjectRole>;
  readonly creationTime: string;
}

/** One `{resource, action}` permission of a robot. */
export interface RobotAccess {
  readonly resource: string;
  readonly action: string;
}

/** A robot account of the stand-in. */
export interface StandInRobot {
  readonly id: number;
  /** The full name: prefix, project, `+`, short name. */
  readonly name: string;
  readonly secret: string;
  readonly level: "project" | "system";
  readonly project: string | undefined;
  readonly access: ReadonlyArray<RobotAccess>;
  /** Unix seconds, or -1 for never. */
  readonly expiresAt: number;
  readonly disabled: boolean;
  readonly duration: number;
  readonly description: string;
  readonly creationTime: string;
}

/** Who a request authenticated as. */
export type Principal = { readonly kind: "user"; readonly user: StandInUser } | { readonly kind: "robot"; readonly robot: StandInRobot };

/**
 * Where credentials are used. OIDC CLI secrets work only on the token service, `/v2/` and a few API calls
 * (harbor.md §3); elsewhere Harbor treats them as anonymous.
 */
export type AuthContext = "token" | "cli-secret-api" | "api";

/** How the stand-in behaves as a whole. */
export interface StandInSettings {
  /** @default "db_auth" */
  readonly authMode?: "db_auth" | "oidc_auth" | "ldap_auth" | undefined;
  /** @default "robot$" */
  readonly robotPrefix?: string | undefined;
  /** @default "everyone" */
  readonly projectCreationRestriction?: "everyone" | "adminonly" | undefined;
}

/** What an account-seeding file or call describes. */
export interface StandInSeed {
  readonly users?: ReadonlyArray<{ username: string; password: string; sysadmin?: boolean; oidc?: boolean }> | undefined;
  readonly projects?:
    | ReadonlyArray<{ name: string; public?: boolean; members?: Readonly<Record<string, ProjectRole>> }>
    | undefined;
  readonly robots?:
    | ReadonlyArray<{
        /** The full name, e.g. `robot$skopush+ci`. */
        name: string;
        secret: string;
        project: string;
        /** Repository actions: `pull`, `push`, `delete`. */
        actions: ReadonlyArray<string>;
        /** Unix seconds; -1 never. @default -1 */
        expiresAt?: number;
        disabled?: boolean;
      }>
    | undefined;
}

const ROLE_ACTIONS: Readonly<Record<ProjectRole, ReadonlyArray<string>>> = {
  projectAdmin: ["pull", "push", "delete"],
  maintainer: ["pull", "push", "delete"],
  developer: ["pull", "push"],
  guest: ["pull"],
  limitedGuest: ["pull"],
};

/**
 * The users, robots and projects shared by the stand-in's token service and REST API, so a robot the
 * API creates can really push through a registry that trusts the token service.
 */
export class HarborStandInStore {
  readonly users = new Map<string, StandInUser>();
  readonly projects = new Map<string, StandInProject>();
  readonly robots = new Map<number, StandInRobot>();
  readonly authMode: "db_auth" | "oidc_auth" | "ldap_auth";
  readonly robotPrefix: string;
  readonly projectCreationRestriction: "everyone" | "adminonly";
  private nextId = 1;

  constructor(settings: StandInSettings = {}, seed: StandInSeed = {}) {
    this.authMode = settings.authMode ?? "db_auth";
    this.robotPrefix = settings.robotPrefix ?? "robot$";
    this.projectCreationRestriction = settings.projectCreationRestriction ?? "everyone";
    this.seed(seed);
  }

  /** Adds users, projects and robots. */
  seed(seed: StandInSeed): void {
    for (const user of seed.users ?? []) {
      this.users.set(user.username, { id: this.nextId++, username: user.username, password: user.password, sysadmin: user.sysadmin ?? false, oidc: user.oidc ?? false });
    }
    for (const project of seed.projects ?? []) {
      this.addProject(project.name, project.public ?? false, undefined);
      for (const [username, role] of Object.entries(project.members ?? {})) this.projects.get(project.name)?.members.set(username, role);
    }
    for (const robot of seed.robots ?? []) {
      const id = this.nextId++;
      this.robots.set(id, {
        id,
        name: robot.name,
        secret: robot.secret,
        level: "project",
        project: robot.project,
        access: robot.actions.map((action) => ({ resource: "repository", action })),
        expiresAt: robot.expiresAt ?? -1,
        disabled: robot.disabled ?? false,
        duration: -1,
        description: "seeded",
        creationTime: new Date().toISOString(),
      });
    }
  }

  /** Creates a project; the creator (a user) becomes its project admin. */
  addProject(name: string, isPublic: boolean, creator: string | undefined): StandInProject {
    const project: StandInProject = { id: this.nextId++, name, public: isPublic, members: new Map(), creationTime: new Date().toISOString() };
    if (creator !== undefined) project.members.set(creator, "projectAdmin");
    this.projects.set(name, project);
    return project;
  }

  /** Creates a project robot with a generated secret; Harbor builds the full name. */
  addRobot(project: string, shortName: string, access: ReadonlyArray<RobotAccess>, duration: number, description: string): StandInRobot {
    const id = this.nextId++;
    const robot: StandInRobot = {
      id,
      name: `${this.robotPrefix}${project}+${shortName}`,
      secret: generateRobotSecret(),
      level: "project",
      project,
      access,
      expiresAt: duration === -1 ? -1 : Math.floor(Date.now() / 1000) + duration * 86_400,
      disabled: false,
      duration,
      description,
      creationTime: new Date().toISOString(),
    };
    this.robots.set(id, robot);
    return robot;
  }

  /** The robot with this full name. */
  robotNamed(name: string): StandInRobot | undefined {
    return [...this.robots.values()].find((robot) => robot.name === name);
  }

  /** Checks credentials; `undefined` means anonymous (wrong secret, expired or disabled robot, CLI secret out of place). */
  authenticate(username: string, password: string, context: AuthContext): Principal | undefined {
    const robot = this.robotNamed(username);
    if (robot) {
      const expired = robot.expiresAt !== -1 && robot.expiresAt <= Math.floor(Date.now() / 1000);
      return robot.secret === password && !robot.disabled && !expired ? { kind: "robot", robot } : undefined;
    }
    const user = this.users.get(username);
    if (!user || user.password !== password) return undefined;
    if (user.oidc && context === "api") return undefined;
    return { kind: "user", user };
  }

  /** The repository actions `principal` (or anonymous) has on `repository` (`project/…`). */
  repositoryActions(principal: Principal | undefined, repository: string): string[] {
    const project = this.projects.get(repository.split("/")[0] ?? "");
    if (!project) return [];
    const allowed = new Set<string>(project.public ? ["pull"] : []);
    if (principal?.kind === "user") {
      if (principal.user.sysadmin) ROLE_ACTIONS.projectAdmin.forEach((a) => allowed.add(a));
      const role = project.members.get(principal.user.username);
      if (role) ROLE_ACTIONS[role].forEach((a) => allowed.add(a));
    } else if (principal?.kind === "robot" && principal.robot.project === project.name) {
      for (const access of principal.robot.access) if (access.resource === "repository") allowed.add(access.action);
    }
    return [...allowed];
  }

  /** True when `principal` may create robots in `project` (system admin or project admin). */
  canAdminister(principal: Principal | undefined, project: StandInProject): boolean {
    if (principal?.kind !== "user") return false;
    return principal.user.sysadmin || project.members.get(principal.user.username) === "projectAdmin";
  }

  /** The name a principal goes by. */
  static nameOf(principal: Principal | undefined): string {
    if (principal === undefined) return "";
    return principal.kind === "user" ? principal.user.username : principal.robot.name;
  }
}

/** A secret that meets Harbor's rules: 8–128 characters with upper, lower and digit. */
const generateRobotSecret = (): string => `Sk${randomBytes(18).toString("base64url")}9a`;
