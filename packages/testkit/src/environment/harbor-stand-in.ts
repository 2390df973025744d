import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { dirname, join } from "node:path";
import { rootCertificates } from "node:tls";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import type { ApiCallRecord } from "../harbor/harbor-api-stand-in.js";
import type { RegistryCallRecord } from "../harbor/registry-front.js";
import type { StandInProcessConfig } from "../harbor/stand-in-config.js";
import type { TokenRequestRecord } from "../harbor/token-service.js";
import type { CertificatesState } from "./certificates.js";
import { NotReady, TestEnvironmentError } from "./errors.js";
import { freePort, isPortFree } from "./free-port.js";
import { generatePassword, type RegistryCredentials } from "./htpasswd.js";
import type { Tools } from "./install.js";
import type { EnvironmentLayout } from "./paths.js";
import { isOurProcess, terminate } from "./process.js";
import type { TokenAuthSettings } from "./registry-config.js";
import { runCommand } from "./run-command.js";
import { pollUntilReady } from "./wait.js";

/** The accounts the stand-in knows; the robot `robot$skopush+ci` is the environment's shared test account. */
export interface HarborStandInAccounts {
  /** A system admin: may create projects and robots anywhere. */
  readonly admin: RegistryCredentials;
  /** Project admin of `skopush`: may create robots there. */
  readonly projectAdmin: RegistryCredentials;
  /** Developer (pull and push) on `skopush`. */
  readonly developer: RegistryCredentials;
  /** Guest on `skopush`: pull only. */
  readonly puller: RegistryCredentials;
  /** `robot$skopush+ci`, pull and push on `skopush`; its secret contains `:` and `$`. */
  readonly robot: RegistryCredentials;
  /**
   * `robot$pushonly`: a SYSTEM robot with push without pull on `skopush` (goharbor/harbor#13973). A project
   * robot's push implies pull since Harbor 2.2; a system robot's does not.
   */
  readonly pushOnlyRobot: RegistryCredentials;
  /** `robot$skopush+expired`: expired, so Harbor treats it as anonymous. */
  readonly expiredRobot: RegistryCredentials;
}

/** The HarborApiStandIn process of the environment, as `state.json` records it. */
export interface HarborStandInState {
  /** `https://127.0.0.1:PORT`: the Harbor URL to give HarborClient / HarborCredentialsProvider. */
  readonly url: string;
  readonly port: number;
  readonly pid?: number | undefined;
  /** The CA its certificate chains to. */
  readonly caFile: string;
  readonly configFile: string;
  readonly logFile: string;
  /** The `x-stand-in-control` secret of its `/_stand-in/*` calls. */
  readonly controlSecret: string;
  readonly accounts: HarborStandInAccounts;
  /** The private project every account above belongs to. */
  readonly project: string;
  /** A project name that does not exist. */
  readonly missingProject: string;
  /** A private project whose storage quota no image fits in; `developer` is a developer there. */
  readonly quotaProject: string;
}

/** Harbor's token settings, which the `token` registry and the stand-in share. */
export const HARBOR_SERVICE = "harbor-registry";
/** Harbor's token issuer. */
export const HARBOR_ISSUER = "harbor-token-issuer";

const STEP = "harbor stand-in";
const PROJECT = "skopush";
const MISSING_PROJECT = "no-such-project";
const QUOTA_PROJECT = "skopush-quota";
/** The storage quota of {@link QUOTA_PROJECT}: smaller than any layer the tests push. */
const QUOTA_BYTES = 4096;

const testkitRoot = (): string => fileURLToPath(new URL("../..", import.meta.url));

/** The compiled stand-in entry point: the environment runs it as its own long-lived process. */
export const standInMain = (): string => join(testkitRoot(), "dist", "harbor", "stand-in-main.js");

/** Fails when the compiled stand-in is missing or older than its sources (it runs from `dist`). */
const checkBuilt = Effect.suspend(() => {
  const main = standInMain();
  const fix = "build it: npx tsc -b packages/testkit (npm test does this first)";
  if (!existsSync(main)) return Effect.fail(new TestEnvironmentError({ step: STEP, reason: `${main} does not exist`, fix }));
  const sources = join(testkitRoot(), "src", "harbor");
  if (!existsSync(sources)) return Effect.void;
  for (const file of readdirSync(sources).filter((name) => name.endsWith(".ts"))) {
    const built = join(dirname(main), file.replace(/\.ts$/, ".js"));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(sources, file)).mtimeMs) {
      return Effect.fail(new TestEnvironmentError({ step: STEP, reason: `${built} is older than src/harbor/${file}`, fix }));
    }
  }
  return Effect.void;
});

/** A digest of the compiled stand-in's files. */
const buildDigest = (): string => {
  const dir = dirname(standInMain());
  const hash = createHash("sha256");
  if (!existsSync(dir)) return "missing";
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".js")).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest("hex").slice(0, 16);
};

/** Creates the token-signing RSA key and its self-signed certificate (the registry's rootcertbundle) once. */
export const ensureTokenSigner = (tools: Tools, layout: EnvironmentLayout): Effect.Effect<void, TestEnvironmentError> =>
  existsSync(layout.tokenSignerKey) && existsSync(layout.tokenSignerCert)
    ? Effect.void
    : runCommand("token signer", tools.openssl, [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650", "-subj", "/CN=skopush token signer",
        "-keyout", layout.tokenSignerKey, "-out", layout.tokenSignerCert,
      ]).pipe(Effect.andThen(Effect.sync(() => chmodSync(layout.tokenSignerKey, 0o600))));

/** What the `token` registry's config needs from the stand-in. */
export const tokenAuthOf = (standIn: HarborStandInState | undefined, layout: EnvironmentLayout): TokenAuthSettings | undefined =>
  standIn && { realm: `${standIn.url}/service/token`, service: HARBOR_SERVICE, issuer: HARBOR_ISSUER, rootCertBundle: layout.tokenSignerCert };

const newAccounts = (robot: RegistryCredentials): HarborStandInAccounts => ({
  admin: { username: "admin", password: generatePassword() },
  projectAdmin: { username: "owner", password: generatePassword() },
  developer: { username: "developer", password: generatePassword() },
  puller: { username: "puller", password: generatePassword() },
  robot,
  pushOnlyRobot: { username: "robot$pushonly", password: generatePassword() },
  expiredRobot: { username: "robot$skopush+expired", password: generatePassword() },
});

/** The accounts of a previous start whose names are still current (their passwords kept), new ones for the rest. */
const keptAccounts = (fresh: HarborStandInAccounts, kept: HarborStandInAccounts | undefined): HarborStandInAccounts => {
  const merged: Record<string, RegistryCredentials> = { ...fresh };
  for (const [key, account] of Object.entries(fresh)) {
    const previous = kept?.[key as keyof HarborStandInAccounts];
    if (key !== "robot" && previous !== undefined && previous.username === account.username) merged[key] = previous;
  }
  return merged as unknown as HarborStandInAccounts;
};

const processConfig = (state: HarborStandInState, certificates: CertificatesState, layout: EnvironmentLayout): StandInProcessConfig => {
  const { accounts } = state;
  return {
    port: state.port,
    tls: { cert: certificates.serverCert, key: certificates.serverKey },
    signingKey: layout.tokenSignerKey,
    controlSecret: state.controlSecret,
    build: buildDigest(),
    settings: { authMode: "db_auth", robotPrefix: "robot$", projectCreationRestriction: "everyone" },
    seed: {
      users: [
        { ...accounts.admin, sysadmin: true },
        accounts.projectAdmin,
        accounts.developer,
        accounts.puller,
      ],
      projects: [
        {
          name: state.project,
          members: { [accounts.projectAdmin.username]: "projectAdmin", [accounts.developer.username]: "developer", [accounts.puller.username]: "guest" },
        },
        { name: state.quotaProject, members: { [accounts.developer.username]: "developer" }, storageLimit: QUOTA_BYTES },
      ],
      robots: [
        { name: accounts.robot.username, secret: accounts.robot.password, project: state.project, actions: ["pull", "push"] },
        { name: accounts.pushOnlyRobot.username, secret: accounts.pushOnlyRobot.password, project: state.project, actions: ["push"], level: "system" },
        { name: accounts.expiredRobot.username, secret: accounts.expiredRobot.password, project: state.project, actions: ["pull", "push"], expiresAt: 1 },
      ],
    },
  };
};

/** True when the stand-in's config file is what this version would write (same port, accounts, certificates). */
export const standInConfigIsCurrent = (state: HarborStandInState, certificates: CertificatesState, layout: EnvironmentLayout): boolean => {
  try {
    return readFileSync(state.configFile, "utf8") === JSON.stringify(processConfig(state, certificates, layout), null, 2);
  } catch {
    return false;
  }
};

/** True when `argv` is `node <stand-in-main.js> <configFile>`. */
const servesConfig = (configFile: string) => (argv: ReadonlyArray<string>) =>
  (argv[1] ?? "").endsWith("stand-in-main.js") && argv[2] === configFile;

/** One HTTPS call to the stand-in, trusting the test CA. */
const call = (state: HarborStandInState, method: string, path: string, body?: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      new URL(path, state.url),
      {
        method,
        agent: false,
        timeout: 10_000,
        ca: [...rootCertificates, readFileSync(state.caFile, "utf8")],
        headers: { "x-stand-in-control": state.controlSecret, ...(body ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.end(body);
  });

/** True when the recorded stand-in process is alive and answers `GET /api/v2.0/ping`. */
export const isHarborStandInUp = (state: HarborStandInState | undefined): Effect.Effect<boolean> =>
  state?.pid !== undefined && isOurProcess(state.pid, servesConfig(state.configFile))
    ? Effect.promise(() => call(state, "GET", "/api/v2.0/ping").then((r) => r.status === 200, () => false))
    : Effect.succeed(false);

/** Starts the stand-in as a detached process (on its previous port when free), keeping its accounts across restarts. */
export const startHarborStandIn = (
  layout: EnvironmentLayout,
  certificates: CertificatesState,
  robot: RegistryCredentials,
  previous: HarborStandInState | undefined,
): Effect.Effect<HarborStandInState, TestEnvironmentError> =>
  Effect.gen(function* () {
    yield* checkBuilt;
    const port = previous !== undefined && (yield* isPortFree(previous.port)) ? previous.port : yield* freePort;
    mkdirSync(layout.harborDir, { recursive: true, mode: 0o700 });
    const { pid: _pid, ...kept } = previous ?? ({} as Partial<HarborStandInState>);
    const state: HarborStandInState = {
      url: `https://127.0.0.1:${port}`,
      port,
      caFile: certificates.caFile,
      configFile: join(layout.harborDir, "config.json"),
      logFile: join(layout.harborDir, "stand-in.log"),
      controlSecret: kept.controlSecret ?? randomBytes(16).toString("hex"),
      accounts: keptAccounts(newAccounts(robot), kept.accounts),
      project: PROJECT,
      missingProject: MISSING_PROJECT,
      quotaProject: QUOTA_PROJECT,
    };
    writeFileSync(state.configFile, JSON.stringify(processConfig(state, certificates, layout), null, 2), { mode: 0o600 });
    const pid = yield* Effect.sync(() => {
      const fd = openSync(state.logFile, "a", 0o600);
      try {
        const child = spawn(process.execPath, [standInMain(), state.configFile], { detached: true, stdio: ["ignore", fd, fd] });
        child.unref();
        return child.pid;
      } finally {
        closeSync(fd);
      }
    });
    if (pid === undefined) return yield* new TestEnvironmentError({ step: STEP, reason: "could not start node" });
    const started = { ...state, pid };
    const logTail = () => {
      try {
        return readFileSync(state.logFile, "utf8").split("\n").slice(-20).join("\n");
      } catch {
        return "";
      }
    };
    const ready = Effect.gen(function* () {
      if (!isOurProcess(pid, servesConfig(state.configFile))) {
        return yield* new TestEnvironmentError({ step: STEP, reason: `the stand-in (pid ${pid}) exited`, logTail: logTail() });
      }
      if (!(yield* isHarborStandInUp(started))) return yield* new NotReady({ reason: `GET ${state.url}/api/v2.0/ping does not answer 200` });
    });
    yield* pollUntilReady(ready, { intervalMs: 100, withinMs: 30_000 }, (last) =>
      new TestEnvironmentError({ step: STEP, reason: `${last.reason} after 30 s`, logTail: logTail() }),
    ).pipe(Effect.onError(() => terminate(STEP, pid).pipe(Effect.ignore)));
    return started;
  });

/** Stops the stand-in process we started; its port and accounts stay recorded. */
export const stopHarborStandIn = (state: HarborStandInState): Effect.Effect<HarborStandInState, TestEnvironmentError> =>
  Effect.gen(function* () {
    if (state.pid !== undefined && isOurProcess(state.pid, servesConfig(state.configFile))) yield* terminate(STEP, state.pid);
    const { pid: _pid, ...stopped } = state;
    return stopped;
  });

/** Tells the stand-in which registry its artifact lookups read. */
export const connectHarborStandIn = (state: HarborStandInState, registry: { url: string; caFile?: string | undefined }) =>
  Effect.tryPromise({
    try: () =>
      call(state, "PUT", "/_stand-in/registry", JSON.stringify({ url: registry.url, ca: registry.caFile ? readFileSync(registry.caFile, "utf8") : undefined })),
    catch: (cause) => new TestEnvironmentError({ step: STEP, reason: `cannot connect it to ${registry.url}: ${String(cause)}`, cause }),
  }).pipe(
    Effect.flatMap((res) =>
      res.status === 204 ? Effect.void : Effect.fail(new TestEnvironmentError({ step: STEP, reason: `PUT /_stand-in/registry answered ${res.status}` })),
    ),
  );

/** What the stand-in recorded, for tests that assert a robot was created, used and deleted. */
export const harborStandInRecords = async (
  state: HarborStandInState,
): Promise<{
  readonly calls: ReadonlyArray<ApiCallRecord>;
  readonly tokenRequests: ReadonlyArray<TokenRequestRecord>;
  readonly registryCalls: ReadonlyArray<RegistryCallRecord>;
}> => {
  const answers = await Promise.all(["calls", "token-requests", "registry-calls"].map((kind) => call(state, "GET", `/_stand-in/${kind}`)));
  if (answers.some((answer) => answer.status !== 200)) {
    throw new TestEnvironmentError({ step: STEP, reason: `reading its records answered ${answers.map((a) => a.status).join("/")}` });
  }
  const [calls, tokenRequests, registryCalls] = answers.map((answer) => JSON.parse(answer.body) as unknown);
  return { calls: calls as ApiCallRecord[], tokenRequests: tokenRequests as TokenRequestRecord[], registryCalls: registryCalls as RegistryCallRecord[] };
};

/** The robots the stand-in holds now (without secrets). */
export const harborStandInRobots = async (state: HarborStandInState): Promise<ReadonlyArray<{ id: number; name: string; project?: string }>> => {
  const res = await call(state, "GET", "/_stand-in/robots");
  if (res.status !== 200) throw new TestEnvironmentError({ step: STEP, reason: `listing robots answered ${res.status}` });
  return JSON.parse(res.body) as Array<{ id: number; name: string; project?: string }>;
};
