import { PassThrough, type Readable } from "node:stream";
import type Docker from "dockerode";
import type { DockerConnection } from "./docker-connection.js";
import { plainEngineGet, plainEngineTarget, type PlainEngineTarget } from "./plain-engine-get.js";
import type { ContainerCreateSpec, DockerClient, ExecHandle, ExecStream } from "./docker-client.js";

/** The label skopush puts on containers it creates. */
export const CREATED_BY_LABEL = "org.skopush.created-by";

const bodyText = async (body: unknown): Promise<string> => {
  if (Buffer.isBuffer(body)) return body.toString("utf8");
  if (typeof body === "string") return body;
  if (body && typeof (body as Readable).pipe === "function") {
    const chunks: Buffer[] = [];
    for await (const chunk of body as Readable) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString("utf8");
  }
  return "";
};

/** Splits Docker's multiplexed log format (8-byte frame headers) into text, when it is multiplexed. */
const demuxLogs = (raw: Buffer): string => {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length && (raw[offset] === 1 || raw[offset] === 2) && raw[offset + 1] === 0) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === raw.length && parts.length > 0 ? Buffer.concat(parts).toString("utf8") : raw.toString("utf8");
};

/**
 * The {@link DockerClient} over dockerode, for one connection. dockerode (with docker-modem and ssh2) is
 * loaded on first use, not with this package: a chain that pushes with an earlier strategy never pays its
 * ~150–250 ms of loading. On a local socket or plain http, `ping` and `inspectContainer` (the probe's first
 * calls) do not need it at all, so falling through a dead daemon or a missing container stays cheap.
 */
export class DockerodeClient implements DockerClient {
  readonly endpoint: string;
  private readonly connection: DockerConnection;
  private readonly plain: PlainEngineTarget | undefined;
  private loaded: Promise<Docker> | undefined;

  constructor(connection: DockerConnection) {
    this.endpoint = connection.endpoint;
    this.connection = connection;
    this.plain = plainEngineTarget(connection);
  }

  private get docker(): Promise<Docker> {
    this.loaded ??= import("dockerode").then(({ default: Dockerode }) => new Dockerode(this.connection.options));
    return this.loaded;
  }

  async ping(timeoutMs: number): Promise<void> {
    const docker = this.plain === undefined ? await this.docker : undefined;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      if (docker === undefined) {
        await plainEngineGet(this.plain!, "/_ping", signal);
        return;
      }
      // dockerode's ping takes no options; the modem's dial does, and honours abortSignal.
      await new Promise<void>((resolve, reject) => {
        docker.modem.dial(
          { path: "/_ping?", method: "GET", statusCodes: { 200: true, 500: "server error" }, abortSignal: signal } as never,
          (error: unknown) => (error ? reject(error) : resolve()),
        );
      });
    } catch (error) {
      throw signal.aborted ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" }) : error;
    }
  }

  async inspectContainer(name: string): Promise<unknown> {
    if (this.plain !== undefined) return JSON.parse(await plainEngineGet(this.plain, `/containers/${encodeURIComponent(name)}/json`)) as unknown;
    return (await this.docker).getContainer(name).inspect();
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await (await this.docker).getImage(image).inspect();
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const container = await (await this.docker).createContainer({
      name: spec.name,
      Image: spec.image,
      Cmd: [...spec.command],
      Labels: { ...spec.labels },
      HostConfig: {
        Binds: [...spec.binds],
        NetworkMode: spec.networkMode,
        RestartPolicy: { Name: spec.restartPolicy },
      },
    });
    return container.id;
  }

  async startContainer(name: string): Promise<void> {
    await (await this.docker).getContainer(name).start();
  }

  async stopContainer(name: string, timeoutSeconds: number): Promise<void> {
    await (await this.docker).getContainer(name).stop({ t: timeoutSeconds });
  }

  async restartContainer(name: string, timeoutSeconds: number): Promise<void> {
    await (await this.docker).getContainer(name).restart({ t: timeoutSeconds });
  }

  async removeContainer(name: string): Promise<void> {
    await (await this.docker).getContainer(name).remove({ force: true });
  }

  async containerLogs(name: string, tail: number): Promise<string> {
    const raw = await (await this.docker).getContainer(name).logs({ stdout: true, stderr: true, tail, follow: false });
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(await bodyText(raw)));
  }

  async exec(
    name: string,
    command: ReadonlyArray<string>,
    env: ReadonlyArray<string>,
    onOutput: (chunk: Buffer, stream: ExecStream) => void,
    options: { readonly attachStdin?: boolean | undefined } = {},
  ): Promise<ExecHandle> {
    const docker = await this.docker;
    const attachStdin = options.attachStdin === true;
    const exec = await docker.getContainer(name).exec({
      Cmd: [...command],
      Env: [...env],
      AttachStdin: attachStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: attachStdin })) as NodeJS.ReadWriteStream & Readable;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on("data", (chunk: Buffer) => onOutput(chunk, "stdout"));
    stderr.on("data", (chunk: Buffer) => onOutput(chunk, "stderr"));
    docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve, reject) => {
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", reject);
    });
    const exited = ended.then(async () => {
      // The stream can end a moment before the daemon records the exit code.
      for (let i = 0; ; i++) {
        const info = await exec.inspect();
        if (!info.Running && info.ExitCode !== null) return info.ExitCode;
        if (i >= 200) throw new Error(`exec ${exec.id} ended its output but still runs`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    return { id: exec.id, exited, detach: () => stream.destroy() };
  }

  async putArchive(name: string, directory: string, tar: Readable, signal?: AbortSignal): Promise<void> {
    const response = await (await this.docker).getContainer(name).putArchive(tar, { path: directory, abortSignal: signal });
    await bodyText(response);
  }

  async getArchive(name: string, path: string): Promise<Readable> {
    return (await (await this.docker).getContainer(name).getArchive({ path })) as unknown as Readable;
  }
}

/** A client for a connection that could not be made: every call rejects with `error`. */
export const unusableDockerClient = (endpoint: string, error: unknown): DockerClient => {
  const fail = () => Promise.reject(error);
  return {
    endpoint,
    ping: fail,
    inspectContainer: fail,
    imageExists: fail,
    createContainer: fail,
    startContainer: fail,
    stopContainer: fail,
    restartContainer: fail,
    removeContainer: fail,
    containerLogs: fail,
    exec: fail,
    putArchive: fail,
    getArchive: fail,
  };
};
