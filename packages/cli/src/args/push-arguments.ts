import { UsageError } from "../usage-error.js";
import { PUSH_FLAG_ANSWERS } from "./flag-answers.js";
import { parseOptions, stringFlag, type FlagSpecs } from "./parse-options.js";
import { parseSharedPushOptions, refusePasswordFlag, SHARED_PUSH_FLAGS, type SharedPushOptions } from "./shared-push-options.js";

/** Where to push: a reference, or the seed tool's Harbor parts. */
export type DestinationInput =
  | {
      readonly kind: "reference";
      readonly reference: string;
      /** Where Harbor's API is, when the registry is served from another address (`--harbor-url` with a reference). */
      readonly harborUrl?: string | undefined;
    }
  | {
      readonly kind: "harbor";
      readonly harborUrl: string;
      readonly project: string;
      readonly repository: string;
      readonly tag?: string | undefined;
    };

/** What `skopush push` was asked to do, before anything is checked against the machine. */
export interface PushArguments extends SharedPushOptions {
  readonly archive: string;
  readonly destination: DestinationInput;
  readonly ensureProject: boolean;
  readonly ephemeralRobot: boolean;
  /** `--platform`: one platform of a multi-platform archive, `os/architecture[/variant]`. */
  readonly platform?: string | undefined;
  /** `--image`: which image of an archive holding several (a RepoTag or an OCI ref name). */
  readonly image?: string | undefined;
  /** A containers auth.json to read credentials from (skopeo's `--authfile`), instead of the search path. */
  readonly authFile?: string | undefined;
  /** Where to write the pushed manifest's digest (skopeo's `--digestfile`). */
  readonly digestFile?: string | undefined;
  /** `--verbose`/`--debug`: the strategy decisions, HTTP requests and skopeo command line, on stderr. */
  readonly verbose: boolean;
}

/** The flags of `skopush push`. */
export const PUSH_FLAGS: FlagSpecs = {
  "harbor-url": { type: "string", description: "Harbor's URL (with --project and --repository, instead of <destination>)" },
  project: { type: "string", description: "the Harbor project" },
  repository: { type: "string", description: "the repository below the project" },
  tag: { type: "string", description: "the tag (default latest)" },
  ...SHARED_PUSH_FLAGS,
  "ensure-project": { type: "boolean", description: "Harbor: create the project when missing" },
  "ephemeral-robot": { type: "boolean", description: "Harbor: push with a robot account made for this push" },
  platform: { type: "string", description: "push one platform of a multi-platform archive (os/arch[/variant])" },
  image: { type: "string", description: "which image of an archive holding several" },
  authfile: { type: "string", description: "read credentials from this containers auth.json", values: "file" },
  digestfile: { type: "string", description: "write the pushed manifest's digest to this file", values: "file" },
  verbose: { type: "boolean", description: "show strategy decisions, HTTP requests and the skopeo command line" },
  debug: { type: "boolean", description: "the same as --verbose" },
};

const PLATFORM = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)?$/;

export { PASSWORD_FLAG_REASON, parseStrategies, refusePasswordFlag } from "./shared-push-options.js";

/** Parses the arguments of `skopush push`; throws {@link UsageError}. Returns `"help"` for `--help`. */
export const parsePushArguments = (argv: ReadonlyArray<string>): PushArguments | "help" => {
  refusePasswordFlag(argv, "push");
  const parsed = parseOptions("push", argv, PUSH_FLAGS, PUSH_FLAG_ANSWERS);
  if (parsed.booleans.has("help")) return "help";
  const usage = (reason: string) => new UsageError({ reason, command: "push" });
  const flag = (name: string) => stringFlag(parsed, name);
  const [archive, reference, ...extra] = parsed.positionals;
  if (archive === undefined || archive.length === 0) throw usage("missing <archive>: the image tarball to push");
  if (extra.length > 0) throw usage(`unexpected argument ${JSON.stringify(extra[0])}`);

  const harborUrl = flag("harbor-url");
  const harborParts = ["project", "repository", "tag"].filter((name) => flag(name) !== undefined);
  let destination: DestinationInput;
  if (reference !== undefined) {
    if (harborParts.length > 0) {
      throw usage(`give the destination either as <destination> or with --harbor-url/--project/--repository, not both (--${harborParts[0]})`);
    }
    destination = { kind: "reference", reference, harborUrl };
  } else {
    const project = flag("project");
    const repository = flag("repository");
    if (harborUrl === undefined || project === undefined || repository === undefined) {
      throw usage("missing <destination>: host/project/repo:tag, or --harbor-url, --project and --repository (and --tag)");
    }
    destination = { kind: "harbor", harborUrl, project, repository, tag: flag("tag") };
  }

  const shared = parseSharedPushOptions(parsed, usage);

  const platform = flag("platform");
  if (platform !== undefined && !PLATFORM.test(platform)) {
    throw usage(`--platform takes os/architecture[/variant], e.g. linux/arm64 or linux/arm/v7, not ${JSON.stringify(platform)}`);
  }
  const image = flag("image");
  if (image !== undefined && image.length === 0) throw usage("--image needs a name: a RepoTag of the archive, e.g. app:v1");

  return {
    archive,
    destination,
    ...shared,
    ensureProject: parsed.booleans.has("ensure-project"),
    ephemeralRobot: parsed.booleans.has("ephemeral-robot"),
    platform,
    image,
    authFile: flag("authfile"),
    digestFile: flag("digestfile"),
    verbose: parsed.booleans.has("verbose") || parsed.booleans.has("debug"),
  };
};
