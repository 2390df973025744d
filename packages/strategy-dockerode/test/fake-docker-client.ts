import type { Readable } from "node:stream";
import type { ContainerCreateSpec, DockerClient, ExecHandle, ExecStream } from "../src/docker-client.js";

const httpError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode, json: { message } });

/** An in-memory daemon: enough of the Engine API for the manager and the probe. */
export class FakeDockerClient implements DockerClient {
  readonly endpoint = "unix:///fake.sock";
  readonly images = new Set<string>();
  containers = new Map<string, { spec: ContainerCreateSpec; status: "created" | "running" | "exited" | "paused" }>();
  readonly calls: string[] = [];
  down = false;
  execAnswer: (command: ReadonlyArray<string>) => { exitCode: number; output?: string } = () => ({ exitCode: 0, output: "skopeo version 1.9.3\n" });
  /** The tar `getArchive` answers with; none: it rejects. */
  archiveAnswer: ((path: string) => Readable) | undefined;

  private guard(call: string) {
    this.calls.push(call);
    if (this.down) return Promise.reject(Object.assign(new Error("connect ECONNREFUSED /fake.sock"), { code: "ECONNREFUSED" }));
    return undefined;
  }

  private get(name: string) {
    const found = this.containers.get(name);
    if (!found) throw httpError(404, `No such container: ${name}`);
    return found;
  }

  async ping(): Promise<void> {
    await this.guard("ping");
  }

  async inspectContainer(name: string): Promise<unknown> {
    await this.guard(`inspect ${name}`);
    const c = this.get(name);
    return {
      Id: `id-${name}`,
      Name: `/${name}`,
      State: { Status: c.status, Running: c.status === "running" || c.status === "paused", Paused: c.status === "paused" },
      Config: { Image: c.spec.image },
      Mounts: c.spec.binds.map((b) => ({ Type: "bind", Source: b.split(":")[0], Destination: b.split(":")[1], RW: true })),
      HostConfig: { NetworkMode: c.spec.networkMode },
    };
  }

  async imageExists(image: string): Promise<boolean> {
    await this.guard(`image ${image}`);
    return this.images.has(image);
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    await this.guard(`create ${spec.name}`);
    if (this.containers.has(spec.name)) throw httpError(409, `Conflict. The container name "/${spec.name}" is already in use`);
    this.containers.set(spec.name, { spec, status: "created" });
    return `id-${spec.name}`;
  }

  async startContainer(name: string): Promise<void> {
    await this.guard(`start ${name}`);
    const c = this.get(name);
    if (c.status === "running") throw httpError(304, "container already started");
    c.status = "running";
  }

  async stopContainer(name: string): Promise<void> {
    await this.guard(`stop ${name}`);
    const c = this.get(name);
    if (c.status !== "running") throw httpError(304, "container already stopped");
    c.status = "exited";
  }

  async restartContainer(name: string): Promise<void> {
    await this.guard(`restart ${name}`);
    this.get(name).status = "running";
  }

  async removeContainer(name: string): Promise<void> {
    await this.guard(`remove ${name}`);
    this.get(name);
    this.containers.delete(name);
  }

  async containerLogs(name: string): Promise<string> {
    await this.guard(`logs ${name}`);
    this.get(name);
    return "log line\n";
  }

  async exec(name: string, command: ReadonlyArray<string>, _env: ReadonlyArray<string>, onOutput: (chunk: Buffer, stream: ExecStream) => void): Promise<ExecHandle> {
    await this.guard(`exec ${name}`);
    const c = this.get(name);
    if (c.status !== "running") throw httpError(409, `Container ${name} is not running`);
    const answer = this.execAnswer(command);
    if (answer.output) onOutput(Buffer.from(answer.output), "stdout");
    return { id: "exec-1", exited: Promise.resolve(answer.exitCode), detach: () => {} };
  }

  async putArchive(name: string): Promise<void> {
    await this.guard(`putArchive ${name}`);
  }

  async getArchive(name: string, path: string): Promise<Readable> {
    await this.guard(`getArchive ${name}`);
    if (this.archiveAnswer === undefined) throw new Error("not in the fake");
    return this.archiveAnswer(path);
  }
}
