import { Readable } from "node:stream";
import { registerStrategy } from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";
import type { CliIo, InterruptSignal } from "@skopush/cli";
import { createDefaultContainer, type DefaultContainerOptions, type StrategyCatalog, type StrategyName } from "skopush";

/** A stream that keeps what is written. */
export class Buffered {
  text = "";
  constructor(
    readonly isTTY = false,
    readonly columns = 100,
  ) {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

/** An in-process CliIo with buffers, a made-up environment, stdin text and a way to send signals. */
export const testIo = (options: { env?: Record<string, string>; stdin?: string; tty?: boolean; now?: () => number } = {}) => {
  const stdout = new Buffered(options.tty);
  const stderr = new Buffered(options.tty);
  const handlers = new Set<(signal: InterruptSignal) => void>();
  const exits: number[] = [];
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: options.env ?? {},
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    exit: (code) => void exits.push(code),
    now: options.now,
  };
  return { io, stdout, stderr, exits, signal: (signal: InterruptSignal) => handlers.forEach((handler) => handler(signal)) };
};

/** A container factory that registers fakes under the default names, recording the options it was given. */
export const fakeContainers = (fakes: Partial<Record<StrategyName, FakePushStrategy>> = {}) => {
  const calls: DefaultContainerOptions[] = [];
  const entry = (name: StrategyName) => (container: Parameters<StrategyCatalog[StrategyName]>[0]) =>
    void registerStrategy(container, fakes[name] ?? FakePushStrategy.unavailable(name, `${name}: not on this machine`));
  const catalog: StrategyCatalog = {
    "docker-exec": entry("docker-exec"),
    dockerode: entry("dockerode"),
    native: entry("native"),
    registry: entry("registry"),
  };
  const createContainer = (options: DefaultContainerOptions) => {
    calls.push(options);
    return createDefaultContainer({ ...options, catalog, credentialsProviders: { ...(options.credentialsProviders || {}), homeDir: "/nonexistent" } });
  };
  return { createContainer, calls };
};
