import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { Effect } from "effect";
import { TestEnvironmentError } from "./errors.js";
import { runCommand } from "./run-command.js";

/** The host programs the environment runs, each with the Debian package that provides it. */
export const REQUIRED_TOOLS = {
  docker: "docker.io",
  dockerd: "docker.io",
  skopeo: "skopeo",
  "docker-registry": "docker-registry",
  openssl: "openssl",
  htpasswd: "apache2-utils",
  tar: "tar",
  ldd: "libc-bin",
  tail: "coreutils",
  // The container strategies run skopeo under a POSIX shell wrapper so that a cancelled push can stop it,
  // and remove what they uploaded into a container that does not mount the shared directory.
  sh: "dash",
  rm: "coreutils",
  // The fault tests give each private Docker daemon a bridge of its own.
  ip: "iproute2",
  // The trust-boundary tests create a second local user and act as it.
  useradd: "passwd",
  setpriv: "util-linux",
  // The CLI's tests: a real pseudo-terminal, and the completion scripts in the shells they are for.
  script: "bsdutils",
  zsh: "zsh",
  fish: "fish",
} as const;

/** The name of a required host program. */
export type ToolName = keyof typeof REQUIRED_TOOLS;

/** The absolute path of every required program. */
export type Tools = Readonly<Record<ToolName, string>>;

// dockerd lives in /usr/sbin, which a non-login PATH may lack.
const EXTRA_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/** The absolute path of `name` on `PATH` (plus the sbin directories), or undefined. */
export const findTool = (name: string, path: string = process.env.PATH ?? ""): string | undefined => {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
};

/** The tools `findTool` cannot find, and the Debian packages that provide them. */
export const missingTools = (
  find: (name: string) => string | undefined = (name) => findTool(name),
): { readonly tools: ReadonlyArray<ToolName>; readonly packages: ReadonlyArray<string> } => {
  const tools = (Object.keys(REQUIRED_TOOLS) as ToolName[]).filter((tool) => find(tool) === undefined);
  return { tools, packages: [...new Set(tools.map((tool) => REQUIRED_TOOLS[tool]))] };
};

/** The command a person runs to install `packages`, shown when we are not root. */
export const aptInstallCommand = (packages: ReadonlyArray<string>): string =>
  `sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(" ")}`;

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };

const hasPackageLists = (): boolean => {
  try {
    return readdirSync("/var/lib/apt/lists").some((file) => file.endsWith("_Packages"));
  } catch {
    return false;
  }
};

const aptGet = (args: ReadonlyArray<string>) =>
  runCommand("install", "apt-get", args, { env: APT_ENV, timeoutMs: 900_000 });

const aptInstall = (packages: ReadonlyArray<string>, log: (line: string) => void) => {
  const update = Effect.sync(() => log("apt-get update")).pipe(Effect.andThen(aptGet(["update"])));
  const install = Effect.sync(() => log(`apt-get install -y ${packages.join(" ")}`)).pipe(
    Effect.andThen(aptGet(["install", "-y", ...packages])),
  );
  // Stale or missing package lists are the usual reason an install fails on a fresh machine.
  return hasPackageLists()
    ? install.pipe(Effect.catchTag("TestEnvironmentError", () => update.pipe(Effect.andThen(install))))
    : update.pipe(Effect.andThen(install));
};

const resolveAll = (): Effect.Effect<Tools, TestEnvironmentError> =>
  Effect.suspend(() => {
    const { tools, packages } = missingTools();
    if (tools.length > 0) {
      return Effect.fail(
        new TestEnvironmentError({
          step: "install",
          reason: `still missing after installing: ${tools.join(", ")}`,
          fix: `install the packages ${packages.join(", ")} and check that their programs are on PATH`,
        }),
      );
    }
    return Effect.succeed(Object.fromEntries(Object.keys(REQUIRED_TOOLS).map((tool) => [tool, findTool(tool)!])) as Tools);
  });

/**
 * Finds every required program; installs the missing ones with apt-get when running as root, and fails
 * with the exact command to run otherwise. Never skips.
 */
export const ensureTools = (log: (line: string) => void = () => undefined): Effect.Effect<Tools, TestEnvironmentError> =>
  Effect.suspend(() => {
    const { tools, packages } = missingTools();
    if (tools.length === 0) return resolveAll();
    if (process.getuid?.() !== 0) {
      return Effect.fail(
        new TestEnvironmentError({
          step: "install",
          reason: `missing ${tools.join(", ")} and not running as root`,
          fix: `run: ${aptInstallCommand(packages)}`,
        }),
      );
    }
    return aptInstall(packages, log).pipe(Effect.andThen(resolveAll()));
  });
