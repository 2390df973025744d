import type * as Redacted from "effect/Redacted";

/** What `GET /systeminfo` answers (fields beyond `auth_mode` need authentication). */
export interface SystemInfo {
  /** `db_auth`, `ldap_auth`, `oidc_auth`, `http_auth`, `uaa_auth`. */
  readonly auth_mode: string;
  readonly harbor_version?: string;
  readonly registry_url?: string;
  readonly external_url?: string;
  readonly has_ca_root?: boolean;
  readonly project_creation_restriction?: string;
  readonly read_only?: boolean;
  readonly self_registration?: boolean;
  readonly oidc_provider_name?: string;
}

/** What `GET /users/current` answers. */
export interface HarborUser {
  readonly user_id: number;
  readonly username: string;
  readonly sysadmin_flag?: boolean;
  readonly admin_role_in_auth?: boolean;
}

/** A project as `GET /projects` lists it. */
export interface HarborProject {
  readonly project_id: number;
  readonly name: string;
  /** Values are strings: `{"public": "false"}`. */
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

/** A project robot to create. */
export interface CreateRobotRequest {
  /** The project's name; the robot may pull and push its repositories. */
  readonly project: string;
  /** The short name: `^[a-z0-9]+(?:[._-][a-z0-9]+)*$`. Harbor builds the full name. */
  readonly name: string;
  /** Lifetime in days; `-1` never expires. Always sent (Harbor ≥ 2.11 rejects 0). */
  readonly durationDays: number;
  readonly description?: string | undefined;
}

/** A robot account Harbor created. */
export interface Robot {
  readonly id: number;
  /** The full name Harbor answered with, e.g. `robot$proj+skopush-1a2b3c4d`: use it as is. */
  readonly name: string;
  /** Returned once by Harbor. */
  readonly secret: Redacted.Redacted<string>;
  /** Unix seconds, or -1. */
  readonly expiresAt: number;
}

/** An artifact as `GET …/artifacts/{reference}` describes it. */
export interface Artifact {
  readonly digest: string;
  readonly manifest_media_type?: string;
  readonly media_type?: string;
  readonly size?: number;
  readonly push_time?: string;
  readonly tags?: ReadonlyArray<{ readonly name: string }> | null;
}
