import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { Effect } from "effect";
import { testPushRequest, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive, type FixtureFormat } from "@skopush/testkit/fixtures";

/** Runs docker and answers its stdout; throws with stderr on failure. */
export const docker = async (...args: string[]): Promise<string> => (await execa("docker", args)).stdout;

/** A resident skopeo container made for one test file, with its own shared directory. */
export interface TestContainer {
  readonly name: string;
  readonly sharedDir: string;
  /** Files left in the shared directory. */
  leftovers(): string[];
  /** The processes running in the container, from `docker top` (host side: works without ps in the image). */
  processes(): Promise<string[]>;
  remove(): Promise<void>;
}

/** Starts `skopush-test-<random>` from the test skopeo image: host network, shared directory mounted, unless told otherwise. */
export const startTestContainer = async (
  environment: TestEnvironment,
  options: { network?: string; mount?: boolean } = {},
): Promise<TestContainer> => {
  const name = `skopush-test-${randomBytes(5).toString("hex")}`;
  const sharedDir = mkdtempSync(join(tmpdir(), "skopush-test-share-"));
  await docker(
    "run", "-d", "--name", name, "--network", options.network ?? "host",
    ...(options.mount === false ? [] : ["-v", `${sharedDir}:/tmp/skopeo`]),
    environment.skopeoImage, "tail", "-f", "/dev/null",
  );
  return {
    name,
    sharedDir,
    leftovers: () => readdirSync(sharedDir),
    processes: async () => (await docker("top", name, "-o", "pid,args")).split("\n").slice(1).map((l) => l.trim()).filter(Boolean),
    remove: async () => {
      await execa("docker", ["rm", "-f", name], { reject: false });
      rmSync(sharedDir, { recursive: true, force: true });
    },
  };
};

/** A push request to `registry`, with its credentials and TLS settings, to a fresh repository. */
export const pushRequest = testPushRequest;

/** Writes a fixture archive into `dir`. */
export const archive = (dir: string, format: FixtureFormat, seed: string, layers = 2, layerSize = 64 * 1024) =>
  writeImageArchive(join(dir, `${seed}-${format}.tar`), { format, seed, layers, layerSize });

/** `GET` on the Docker socket's Engine API, JSON answer. */
export const engineApi = (path: string, socketPath = "/var/run/docker.sock"): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });

/** The argv of every exec the daemon knows for `container` (`ProcessConfig` of exec inspect). */
export const execArguments = async (container: string): Promise<string[][]> => {
  const inspect = (await engineApi(`/containers/${container}/json`)) as { ExecIDs?: string[] | null };
  const out: string[][] = [];
  for (const id of inspect.ExecIDs ?? []) {
    const exec = (await engineApi(`/exec/${id}/json`).catch(() => undefined)) as { ProcessConfig?: { entrypoint?: string; arguments?: string[] } } | undefined;
    if (exec?.ProcessConfig) out.push([exec.ProcessConfig.entrypoint ?? "", ...(exec.ProcessConfig.arguments ?? [])]);
  }
  return out;
};

/** Runs an Effect to its Exit. */
export const exitOf = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromiseExit(effect);
