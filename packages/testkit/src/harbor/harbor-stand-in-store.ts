import { randomBytes } from "node:crypto";
import { policiesOfRobot, policiesOfRole, type ProjectRole } from "./rbac.js";
import type { TokenAccessEntry } from "./registry-token.js";

export type { ProjectRole } from "./rbac.js";

/** A user account of the stand-in. */
export interface StandInUser {
  /** Harbor's user ID; 1 is the built-in admin, who logs in with a password in every auth mode. */
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
  /** Storage quota in bytes; -1 = unlimited. */
  readonly storageLimit: number;
  /** Bytes the quota counts as used. */
  usage: number;
  /** Digests of the blobs and manifests the quota has counted for this project. */
  readonly blobs: Set<string>;
}

/** One `{resource, action}` permission of a robot. */
export interface RobotAccess {
  readonly resource: string;
  readonly action: string;
}

/** A robot account of the stand-in. */
export interface StandInRobot {
  readonly id: number;
  /** The full name: prefix, then `project+name` (project robots) or `name` (system robots). */
  readonly name: string;
  readonly secret: string;
  readonly level: "project" | "system";
  /** The project its permissions are in. */
  readonly project: string | undefined;
  /** Its permissions in {@link project}. */
  readonly access: ReadonlyArray<RobotAccess>;
  /** Unix seconds, or -1 for never. */
  readonly expiresAt: number;
  readonly disabled: boolean;
  readonly duration: number;
  readonly description: string;
  readonly creationTime: string;
}

/**
 * Who a request authenticated as: a user, a robot, or (on `/v2/`) the holder of a registry token, whose
 * rights are the token's `access` and whose name is its `sub` (empty for an anonymous token).
 */
export type Principal =
  | { readonly kind: "user"; readonly user: StandInUser }
  | { readonly kind: "robot"; readonly robot: StandInRobot }
  | { readonly kind: "token"; readonly subject: string; readonly access: ReadonlyArray<TokenAccessEntry> };

/** How the stand-in behaves as a whole (Harbor's configuration). */
export interface StandInSettings {
  /** @default "db_auth" */
  readonly authMode?: "db_auth" | "oidc_auth" | "ldap_auth" | undefined;
  /** Harbor's `robot_name_prefix`. @default "robot$" */
  readonly robotPrefix?: string | undefined;
  /** @default "everyone" */
  readonly projectCreationRestriction?: "everyone" | "adminonly" | undefined;
  /** Harbor's `storage_per_project`: the quota of a new project, in bytes. @default -1 (unlimited) */
  readonly storagePerProject?: number | undefined;
  /** Harbor's read-only mode: every write (API and push) answers 403. @default false */
  readonly readOnly?: boolean | undefined;
  /** How long a failed password login locks the username, and delays its answer (Harbor: 1.5 s). @default 1500 */
  readonly loginFreezeMs?: number | undefined;
}

/** One robot of a seed. */
export interface StandInSeedRobot {
  /** The full name, e.g. `robot$skopush+ci` (project robot) or `robot$ci` (system robot). */
  readonly name: string;
  readonly secret: string;
  /** The project its permissions are in. */
  readonly project: string;
  /** Repository actions: `pull`, `push`, `delete`. */
  readonly actions: ReadonlyArray<string>;
  /** More permissions, e.g. `{resource: "robot", action: "create"}`. */
  readonly access?: ReadonlyArray<RobotAccess> | undefined;
  /** @default "project" */
  readonly level?: "project" | "system" | undefined;
  /** Unix seconds; -1 never. @default -1 */
  readonly expiresAt?: number | undefined;
  readonly disabled?: boolean | undefined;
}

/** What an account-seeding file or call describes. */
export interface StandInSeed {
  readonly users?: ReadonlyArray<{ username: string; password: string; sysadmin?: boolean; oidc?: boolean }> | undefined;
  readonly projects?:
    | ReadonlyArray<{ name: string; public?: boolean; members?: Readonly<Record<string, ProjectRole>>; storageLimit?: number }>
    | undefined;
  readonly robots?: ReadonlyArray<StandInSeedRobot> | undefined;
}

/**
 * The users, robots and projects shared by the stand-in's token service, REST API and registry front,
 * so a robot the API creates can really push. Permissions follow Harbor's RBAC (`rbac.ts`).
 */
export class HarborStandInStore {
  readonly users = new Map<string, StandInUser>();
  readonly projects = new Map<string, StandInProject>();
  readonly robots = new Map<number, StandInRobot>();
  readonly authMode: "db_auth" | "oidc_auth" | "ldap_auth";
  readonly robotPrefix: string;
  readonly projectCreationRestriction: "everyone" | "adminonly";
  readonly storagePerProject: number;
  readonly loginFreezeMs: number;
  readOnly: boolean;
  private readonly loginFailures = new Map<string, number>();
  // Users, projects and robots are separate tables in Harbor, each with its own IDs.
  private nextUserId = 1;
  private nextProjectId = 1;
  private nextRobotId = 1;

  constructor(settings: StandInSettings = {}, seed: StandInSeed = {}) {
    this.authMode = settings.authMode ?? "db_auth";
    this.robotPrefix = settings.robotPrefix ?? "robot$";
    this.projectCreationRestriction = settings.projectCreationRestriction ?? "everyone";
    this.storagePerProject = settings.storagePerProject ?? -1;
    this.readOnly = settings.readOnly ?? false;
    this.loginFreezeMs = settings.loginFreezeMs ?? 1500;
    this.seed(seed);
  }

  /** Adds users, projects and robots. */
  seed(seed: StandInSeed): void {
    for (const user of seed.users ?? []) {
      this.users.set(user.username, { id: this.nextUserId++, username: user.username, password: user.password, sysadmin: user.sysadmin ?? false, oidc: user.oidc ?? false });
    }
    for (const project of seed.projects ?? []) {
      const added = this.addProject(project.name, project.public ?? false, undefined, project.storageLimit ?? this.storagePerProject);
      for (const [username, role] of Object.entries(project.members ?? {})) added.members.set(username, role);
    }
    for (const robot of seed.robots ?? []) {
      const id = this.nextRobotId++;
      this.robots.set(id, {
        id,
        name: robot.name,
        secret: robot.secret,
        level: robot.level ?? "project",
        project: robot.project,
        access: [...robot.actions.map((action) => ({ resource: "repository", action })), ...(robot.access ?? [])],
        expiresAt: robot.expiresAt ?? -1,
        disabled: robot.disabled ?? false,
        duration: -1,
        description: "seeded",
        creationTime: new Date().toISOString(),
      });
    }
  }

  /** Creates a project; the creator (a user) becomes its project admin. */
  addProject(name: string, isPublic: boolean, creator: string | undefined, storageLimit: number = this.storagePerProject): StandInProject {
    const project: StandInProject = {
      id: this.nextProjectId++,
      name,
      public: isPublic,
      members: new Map(),
      creationTime: new Date().toISOString(),
      storageLimit,
      usage: 0,
      blobs: new Set(),
    };
    if (creator !== undefined) project.members.set(creator, "projectAdmin");
    this.projects.set(name, project);
    return project;
  }

  /** Creates a project robot with a generated secret; Harbor builds the full name. */
  addRobot(project: string, shortName: string, access: ReadonlyArray<RobotAccess>, duration: number, description: string): StandInRobot {
    const id = this.nextRobotId++;
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

  /** The project with this ID. */
  projectWithId(id: number): StandInProject | undefined {
    return [...this.projects.values()].find((project) => project.id === id);
  }

  /**
   * The robot these credentials belong to (src/server/middleware/security/robot.go): the name starts with
   * the prefix, the secret matches, and it is neither disabled nor expired.
   */
  robotLogin(username: string, password: string): StandInRobot | undefined {
    if (!username.startsWith(this.robotPrefix)) return undefined;
    const robot = this.robotNamed(username);
    if (!robot || robot.secret !== password || robot.disabled) return undefined;
    return robot.expiresAt !== -1 && robot.expiresAt <= Math.floor(Date.now() / 1000) ? undefined : robot;
  }

  /**
   * A password login (src/core/auth/authenticator.go `Login`): the auth mode's authenticator, except for
   * the built-in admin (ID 1), who always logs in against the database. A username that failed is locked
   * for `loginFreezeMs` (its right password is anonymous meanwhile) and the failing answer is delayed as long.
   * In `oidc_auth` mode the authenticator refuses passwords outright ("not supported"), without a lock.
   */
  async passwordLogin(username: string, password: string): Promise<StandInUser | undefined> {
    const user = this.users.get(username);
    const mode = user?.id === 1 ? "db_auth" : this.authMode;
    if (mode === "oidc_auth") return undefined;
    const failedAt = this.loginFailures.get(username);
    if (failedAt !== undefined && Date.now() - failedAt <= this.loginFreezeMs) return undefined;
    if (user && !user.oidc && user.password === password) return user;
    this.loginFailures.set(username, Date.now());
    await new Promise((resolve) => setTimeout(resolve, this.loginFreezeMs));
    return undefined;
  }

  /** An OIDC user's CLI secret (src/server/middleware/security/oidc_cli.go, after its path check). */
  cliSecretLogin(username: string, password: string): StandInUser | undefined {
    if (this.authMode !== "oidc_auth" || username.startsWith(this.robotPrefix)) return undefined;
    const user = this.users.get(username);
    return user?.oidc && user.password === password ? user : undefined;
  }

  /**
   * Whether `principal` (or anonymous) may do `action` on `resource` of project `projectName` (the resource
   * `""` is the project itself). A system admin may do anything, even in a project that does not exist;
   * anyone else nothing there. A registry token grants only repository actions, per project.
   */
  can(principal: Principal | undefined, projectName: string, resource: string, action: string): boolean {
    if (principal?.kind === "user" && principal.user.sysadmin) return true;
    const project = this.projects.get(projectName);
    if (!project) return false;
    if (principal?.kind === "token") {
      // src/common/security/v2token/context.go: the token's actions count for its project, repository names aside.
      return resource === "repository" && principal.access.some((a) => a.type === "repository" && a.name.split("/")[0] === project.name && a.actions.includes(action));
    }
    let policies: ReadonlySet<string>;
    if (principal?.kind === "robot") {
      const mine = principal.robot.project === project.name;
      policies = policiesOfRobot(mine ? principal.robot.access : [], principal.robot.level, project.public);
    } else {
      policies = policiesOfRole(principal ? project.members.get(principal.user.username) : undefined, project.public);
    }
    return policies.has(`${resource}:${action}`);
  }

  /** The name a principal goes by (`""` for anonymous). */
  static nameOf(principal: Principal | undefined): string {
    if (principal === undefined) return "";
    if (principal.kind === "token") return principal.subject;
    return principal.kind === "user" ? principal.user.username : principal.robot.name;
  }

  /** False for anonymous and for an anonymous registry token. */
  static isAuthenticated(principal: Principal | undefined): principal is Principal {
    return principal !== undefined && (principal.kind !== "token" || principal.subject.length > 0);
  }
}

/** A secret that meets Harbor's rules: 8–128 characters with upper, lower and digit. */
const generateRobotSecret = (): string => `Sk${randomBytes(18).toString("base64url")}9a`;
