import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PushErrorTag } from "@skopush/core";
import type { TestEnvironment } from "@skopush/testkit/environment";
import { writeHostileArchive, writeImageArchive, type HostileArchiveKind, type ImageArchiveOptions } from "@skopush/testkit/fixtures";
import { errorBody, startScriptedRegistry, type Script } from "./scripted-registry.js";

/** What a scenario runs: a program and its argv (skopeo, or skopeo wrapped in `unshare`). */
export interface ScenarioCommand {
  readonly file: string;
  readonly args: ReadonlyArray<string>;
  /** The `docker://` destination, for the classifier. */
  readonly destination: string;
  /** The user's archive path, for the classifier. */
  readonly archivePath: string;
  /** The username skopeo authenticated as, when it did. */
  readonly username?: string | undefined;
  readonly cleanup?: (() => Promise<void>) | undefined;
}

/** Where a scenario runs. */
export interface ScenarioContext {
  readonly environment: TestEnvironment;
  /** A private directory for archives and authfiles. */
  readonly dir: string;
}

/** One way to make skopeo fail (or succeed), recorded as a fixture. */
export interface SkopeoScenario {
  readonly name: string;
  /** The error the classifier must give; `undefined` for a successful copy. */
  readonly expected: PushErrorTag | undefined;
  readonly command: (context: ScenarioContext) => Promise<ScenarioCommand>;
}

const authFile = async (dir: string, name: string, registry: string, username: string, password: string) => {
  const path = join(dir, `${name}.auth.json`);
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  await writeFile(path, JSON.stringify({ auths: { [registry]: { auth } } }), { mode: 0o600 });
  return path;
};

const archive = async (dir: string, format: "docker-legacy" | "docker-oci" | "oci-archive", seed = "scenario") =>
  (await writeImageArchive(join(dir, `${format}-${seed}.tar`), { format, layers: 2, layerSize: 32 * 1024, seed: `skopeo-scenario-${seed}` })).path;

const hostile = async (dir: string, kind: HostileArchiveKind) => (await writeHostileArchive(join(dir, `hostile-${kind}.tar`), kind)).path;

const skopeo = (args: ReadonlyArray<string>, rest: Omit<ScenarioCommand, "file" | "args">): ScenarioCommand => ({
  file: "skopeo",
  args,
  ...rest,
});

const copyTo = (source: string, destination: string, flags: ReadonlyArray<string>) => ["copy", "--retry-times", "0", ...flags, source, `docker://${destination}`];

/**
 * A registry scenario against the scripted stand-in: plain HTTP, one scripted answer. The stand-in never
 * challenges, so the authfile only tells the classifier that the push had credentials.
 */
const scripted = (name: string, expected: PushErrorTag, script: Script, options: { readonly anonymous?: boolean } = {}): SkopeoScenario => ({
  name,
  expected,
  command: async ({ dir }) => {
    const registry = await startScriptedRegistry(script);
    const source = await archive(dir, "docker-legacy", name);
    const destination = `${registry.host}/demo/app:v1`;
    const username = options.anonymous ? undefined : "robot$demo+ci";
    const credentials = username ? ["--dest-authfile", await authFile(dir, name, registry.host, username, "scripted-secret")] : ["--dest-no-creds"];
    return skopeo(copyTo(`docker-archive:${source}`, destination, [...credentials, "--dest-tls-verify=false"]), {
      destination,
      archivePath: source,
      username,
      cleanup: () => registry.close(),
    });
  },
});

/**
 * A push as one of the Harbor stand-in's accounts (or anonymously): to the Harbor-style token registry
 * itself, or `through: "harbor"` to the stand-in's registry front, Harbor's core before that registry,
 * which gives Harbor's own answers (a missing project, a quota).
 */
const token = (
  name: string,
  expected: PushErrorTag | undefined,
  account: "robot" | "puller" | "pushOnlyRobot" | "expiredRobot" | "admin" | "developer" | undefined,
  options: { readonly password?: string; readonly project?: "missing" | "quota"; readonly through?: "harbor" } = {},
): SkopeoScenario => ({
  name,
  expected,
  command: async ({ environment, dir }) => {
    const registry = options.through === "harbor" ? environment.harborRegistry() : environment.registry("token");
    const harbor = environment.harbor;
    const source = await archive(dir, "docker-legacy");
    const project = options.project === "missing" ? harbor.missingProject : options.project === "quota" ? harbor.quotaProject : harbor.project;
    const destination = `${registry.host}/${project}/${name}:v1`;
    const credentials = account === undefined ? undefined : harbor.accounts[account];
    const auth = credentials
      ? ["--dest-authfile", await authFile(dir, name, registry.host, credentials.username, options.password ?? credentials.password)]
      : ["--dest-no-creds"];
    return skopeo(copyTo(`docker-archive:${source}`, destination, [...auth, "--dest-cert-dir", registry.certDir ?? ""]), {
      destination,
      archivePath: source,
      username: credentials?.username,
    });
  },
});

/** A TCP server that accepts connections and never answers; `close` also drops the open connections. */
const silentTcpServer = async (): Promise<{ port: number; close: () => Promise<void> }> => {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

const closedPort = async (): Promise<number> => {
  const { port, close } = await silentTcpServer();
  await close();
  return port;
};

// A DNS server that answers NXDOMAIN to everything, run with skopeo in a private network namespace:
// the lookup never leaves the namespace's loopback.
const NXDOMAIN_SERVER = `
const dgram = require("node:dgram");
const socket = dgram.createSocket("udp4");
socket.on("message", (query, peer) => {
  const answer = Buffer.from(query);
  answer[2] = 0x81; answer[3] = 0x83; // response, recursion desired+available, NXDOMAIN
  answer.writeUInt16BE(0, 6); answer.writeUInt16BE(0, 8); answer.writeUInt16BE(0, 10);
  socket.send(answer, peer.port, peer.address);
});
socket.bind(53, "127.0.0.1", () => process.stdout.write("ready\\n"));
`;

/** A successful copy to record: its archive (deterministic for its seed), where it goes, and how skopeo runs. */
export interface CopyScenario {
  readonly archive: ImageArchiveOptions;
  /** `scripted`: a fresh, empty in-memory registry, so every blob is uploaded whatever ran before. */
  readonly registry: "plain" | "tls" | "scripted";
  /** Run skopeo on a terminal (script(1), 120 columns), as an interactive user does. */
  readonly tty?: boolean;
}

/**
 * The successful copies. A unit test writes the same archive again and replays the recorded output
 * against it. `copy-docker-legacy-tty-again` pushes `copy-docker-legacy`'s image a second time: on a
 * terminal, skopeo then shows the layers it skips under the digests the registry already has.
 */
export const COPY_SCENARIOS: Readonly<Record<string, CopyScenario>> = {
  "copy-docker-legacy": {
    archive: { format: "docker-legacy", layers: 3, layerSize: [64 * 1024, 256 * 1024, 16 * 1024], seed: "copy-docker-legacy" },
    registry: "plain",
  },
  "copy-docker-oci": { archive: { format: "docker-oci", layers: 2, layerSize: 128 * 1024, seed: "copy-docker-oci" }, registry: "tls" },
  "copy-oci-archive": { archive: { format: "oci-archive", layers: 2, layerSize: 128 * 1024, seed: "copy-oci-archive" }, registry: "tls" },
  "copy-duplicate-layer": {
    archive: { format: "docker-legacy", layers: 3, layerSize: 32 * 1024, duplicateLayer: true, seed: "copy-duplicate-layer" },
    registry: "plain",
  },
  "copy-docker-legacy-tty": {
    archive: { format: "docker-legacy", layers: 2, layerSize: 4 * 1024 * 1024, seed: "copy-tty" },
    registry: "scripted",
    tty: true,
  },
  "copy-docker-legacy-tty-again": {
    archive: { format: "docker-legacy", layers: 3, layerSize: [64 * 1024, 256 * 1024, 16 * 1024], seed: "copy-docker-legacy" },
    registry: "plain",
    tty: true,
  },
};

const copyScenario = ([name, copy]: [string, CopyScenario]): SkopeoScenario => ({
  name,
  expected: undefined,
  command: async ({ environment, dir }) => {
    const kind = copy.registry;
    const scripted = kind === "scripted" ? await startScriptedRegistry(() => undefined) : undefined;
    const registry = kind === "scripted" ? { host: scripted?.host ?? "", certDir: undefined } : environment.registry(kind);
    const source = (await writeImageArchive(join(dir, `${name}.tar`), copy.archive)).path;
    const destination = `${registry.host}/samples/${name}:v1`;
    const tls = registry.certDir ? ["--dest-cert-dir", registry.certDir] : ["--dest-tls-verify=false"];
    const transport = copy.archive.format === "oci-archive" ? "oci-archive" : "docker-archive";
    const args = copyTo(`${transport}:${source}`, destination, ["--dest-no-creds", ...tls]);
    const cleanup = scripted ? () => scripted.close() : undefined;
    if (!copy.tty) return skopeo(args, { destination, archivePath: source, cleanup });
    const quoted = ["skopeo", ...args].map((arg) => `'${arg}'`).join(" ");
    return { file: "script", args: ["-q", "-e", "-c", `stty cols 120; ${quoted}`, "/dev/null"], destination, archivePath: source, cleanup };
  },
});

/** Every recorded scenario. Archive scenarios use docker-archive unless the name says otherwise. */
export const SKOPEO_SCENARIOS: ReadonlyArray<SkopeoScenario> = [
  ...Object.entries(COPY_SCENARIOS).map(copyScenario),
  {
    name: "wrong-password",
    expected: "AuthenticationFailed",
    command: async ({ environment, dir }) => {
      const registry = environment.registry("basic");
      const username = registry.credentials?.username ?? "";
      const source = await archive(dir, "docker-legacy");
      const auth = await authFile(dir, "wrong", registry.host, username, "wrong:pa$$word");
      const destination = `${registry.host}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-authfile", auth, "--dest-cert-dir", registry.certDir ?? ""]), {
        destination,
        archivePath: source,
        username,
      });
    },
  },
  {
    name: "anonymous-to-auth-registry",
    expected: "AuthenticationFailed",
    command: async ({ environment, dir }) => {
      const registry = environment.registry("basic");
      const source = await archive(dir, "docker-legacy");
      const destination = `${registry.host}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-cert-dir", registry.certDir ?? ""]), { destination, archivePath: source });
    },
  },
  {
    name: "untrusted-certificate",
    expected: "TlsVerificationFailed",
    command: async ({ environment, dir }) => {
      const source = await archive(dir, "docker-legacy");
      const destination = `${environment.registry("tls").host}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=true"]), { destination, archivePath: source });
    },
  },
  {
    name: "plain-http-registry-with-tls",
    expected: "TlsVerificationFailed",
    command: async ({ environment, dir }) => {
      const source = await archive(dir, "docker-legacy");
      const destination = `${environment.registry("plain").host}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=true"]), { destination, archivePath: source });
    },
  },
  {
    name: "connection-refused",
    expected: "RegistryUnreachable",
    command: async ({ dir }) => {
      const source = await archive(dir, "docker-legacy");
      const destination = `127.0.0.1:${await closedPort()}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=false"]), { destination, archivePath: source });
    },
  },
  {
    name: "tls-handshake-timeout",
    expected: "RegistryUnreachable",
    command: async ({ dir }) => {
      const source = await archive(dir, "docker-legacy");
      const { port, close } = await silentTcpServer();
      const destination = `127.0.0.1:${port}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=true"]), {
        destination,
        archivePath: source,
        cleanup: close,
      });
    },
  },
  {
    name: "no-such-host",
    expected: "RegistryUnreachable",
    command: async ({ dir }) => {
      const source = await archive(dir, "docker-legacy");
      const resolvConf = join(dir, "resolv.conf");
      await writeFile(resolvConf, "nameserver 127.0.0.1\noptions attempts:1 timeout:2\n");
      const server = join(dir, "nxdomain.cjs");
      await writeFile(server, NXDOMAIN_SERVER);
      const destination = "registry.skopush.invalid:5000/samples/app:v1";
      const inner = [
        "ip link set lo up",
        `mount --bind '${resolvConf}' /etc/resolv.conf`,
        `node '${server}' > '${dir}/dns.ready' & dns=$!`,
        `while [ ! -s '${dir}/dns.ready' ]; do sleep 0.05; done`,
        `skopeo copy --retry-times 0 --dest-no-creds --dest-tls-verify=false 'docker-archive:${source}' 'docker://${destination}'`,
        "status=$?; kill $dns; exit $status",
      ].join("; ");
      return { file: "unshare", args: ["--net", "--mount", "--", "sh", "-c", inner], destination, archivePath: source };
    },
  },
  ...(["not-a-tar", "truncated", "empty", "corrupt-header", "diff-id-mismatch"] as const).map(
    (kind): SkopeoScenario => ({
      name: `archive-${kind}`,
      expected: "ArchiveInvalid",
      command: async ({ environment, dir }) => {
        const source = await hostile(dir, kind);
        const destination = `${environment.registry("plain").host}/samples/hostile-${kind}:v1`;
        return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=false"]), { destination, archivePath: source });
      },
    }),
  ),
  {
    name: "archive-missing",
    expected: "ArchiveInvalid",
    command: async ({ environment, dir }) => {
      const source = join(dir, "missing.tar");
      const destination = `${environment.registry("plain").host}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=false"]), { destination, archivePath: source });
    },
  },
  {
    name: "archive-oci-read-as-docker-archive",
    expected: "ArchiveInvalid",
    command: async ({ environment, dir }) => {
      const source = await archive(dir, "oci-archive");
      const destination = `${environment.registry("plain").host}/samples/app:v1`;
      return skopeo(copyTo(`docker-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=false"]), { destination, archivePath: source });
    },
  },
  {
    name: "archive-docker-read-as-oci-archive",
    expected: "ArchiveInvalid",
    command: async ({ environment, dir }) => {
      const source = await archive(dir, "docker-legacy");
      const destination = `${environment.registry("plain").host}/samples/app:v1`;
      return skopeo(copyTo(`oci-archive:${source}`, destination, ["--dest-no-creds", "--dest-tls-verify=false"]), { destination, archivePath: source });
    },
  },
  // Harbor answers every request for a missing project with this 401; skopeo's first request is a HEAD,
  // whose answer has no body, so skopeo can only say "authentication required".
  scripted("harbor-project-not-found", "AuthenticationFailed", (step) =>
    step === "blob-head" || step === "upload-start"
      ? { status: 401, body: errorBody("UNAUTHORIZED", "project demo not found: project demo not found") }
      : undefined,
  ),
  // When the HEAD passes (skopeo skips it for a blob it does not try to reuse), the body reaches skopeo.
  scripted("harbor-project-not-found-on-upload", "ProjectNotFound", (step) =>
    step === "upload-start" ? { status: 401, body: errorBody("UNAUTHORIZED", "project demo not found: project demo not found") } : undefined,
  ),
  scripted("harbor-unauthorized-to-access-repository", "AuthenticationFailed", (step) =>
    step === "upload-start"
      ? {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="harbor"' },
          body: errorBody("UNAUTHORIZED", "unauthorized to access repository: demo/app, action: push: unauthorized to access repository: demo/app, action: push"),
        }
      : undefined,
  ),
  // Harbor's token service gives bad credentials an anonymous token, so every refusal below reads
  // "denied: requested access to the resource is denied" to skopeo, a wrong password included.
  token("copy-token-robot", undefined, "robot"),
  token("token-wrong-password", "AccessDenied", "robot", { password: "wrong:pa$$word" }),
  token("token-missing-project", "AccessDenied", "admin", { project: "missing" }),
  token("token-pull-only", "AccessDenied", "puller"),
  token("token-push-only-robot", "AccessDenied", "pushOnlyRobot"),
  token("token-expired-robot", "AccessDenied", "expiredRobot"),
  token("token-anonymous", "AuthenticationFailed", undefined),
  // Through Harbor's core (the stand-in's registry front). skopeo's first request to a repository is a
  // blob HEAD, whose 401 has no body: a missing project ("project X not found", empty challenge), a wrong
  // password and a push-only robot all read "authentication required" to skopeo.
  token("harbor-front-copy-robot", undefined, "robot", { through: "harbor" }),
  token("harbor-front-missing-project", "AuthenticationFailed", "admin", { through: "harbor", project: "missing" }),
  token("harbor-front-wrong-password", "AuthenticationFailed", "robot", { through: "harbor", password: "wrong:pa$$word" }),
  token("harbor-front-pull-only", "AuthenticationFailed", "puller", { through: "harbor" }),
  token("harbor-front-quota-exceeded", "QuotaExceeded", "developer", { through: "harbor", project: "quota" }),
  scripted("denied-anonymous", "AuthenticationFailed", (step) =>
    step === "upload-start" ? { status: 403, body: errorBody("DENIED", "requested access to the resource is denied") } : undefined,
    { anonymous: true },
  ),
  scripted("denied", "AccessDenied", (step) =>
    step === "upload-start" ? { status: 403, body: errorBody("DENIED", "requested access to the resource is denied") } : undefined,
  ),
  scripted("insufficient-scope", "AccessDenied", (step) =>
    step === "upload-start"
      ? {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="http://127.0.0.1:1/token",service="registry",scope="repository:demo/app:pull,push",error="insufficient_scope"' },
          body: errorBody("DENIED", "requested access to the resource is denied"),
        }
      : undefined,
  ),
  scripted("harbor-quota-exceeded-on-blob", "QuotaExceeded", (step) =>
    step === "upload-finish"
      ? {
          status: 403,
          body: errorBody("DENIED", "adding 29.0 MiB of storage resource, which when updated to current usage of 152.4 MiB will exceed the configured upper limit of 10.0 MiB."),
        }
      : undefined,
  ),
  scripted("harbor-quota-exceeded-on-manifest", "QuotaExceeded", (step) =>
    step === "manifest-put"
      ? {
          status: 403,
          body: errorBody("DENIED", "adding 1.2 KiB of storage resource, which when updated to current usage of 10.0 MiB will exceed the configured upper limit of 10.0 MiB."),
        }
      : undefined,
  ),
  scripted("manifest-invalid", "ManifestRejected", (step) =>
    step === "manifest-put" ? { status: 400, body: errorBody("MANIFEST_INVALID", "manifest invalid", { reason: "unsupported media type" }) } : undefined,
  ),
  scripted("manifest-blob-unknown", "ManifestRejected", (step) =>
    step === "manifest-put" ? { status: 400, body: errorBody("MANIFEST_BLOB_UNKNOWN", "blob unknown to registry") } : undefined,
  ),
  scripted("name-unknown", "RegistryError", (step) =>
    step === "upload-start" ? { status: 404, body: errorBody("NAME_UNKNOWN", "repository name not known to registry") } : undefined,
  ),
  scripted("service-unavailable", "RegistryError", (step) => (step === "ping" ? { status: 503, body: "" } : undefined)),
  scripted("too-many-requests", "RegistryError", (step) =>
    step === "upload-start" ? { status: 429, headers: { "retry-after": "1" }, body: errorBody("TOOMANYREQUESTS", "too many requests") } : undefined,
  ),
  scripted("internal-server-error", "RegistryError", (step) =>
    step === "upload-start" ? { status: 500, body: errorBody("UNKNOWN", "internal server error") } : undefined,
  ),
  scripted("harbor-repository-without-project", "RegistryError", (step) =>
    step === "upload-start" ? { status: 400, body: errorBody("BAD_REQUEST", "invalid repository name: app") } : undefined,
  ),
];
