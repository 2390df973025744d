import { findTool } from "../environment/install.js";
import { runTool } from "./run-tool.js";

/** A Linux bridge of one private daemon's own, so that daemon never touches the shared `docker0`. */
export interface PrivateBridge {
  readonly name: string;
  remove(): Promise<void>;
}

let created = 0;

const ipTool = (): string => findTool("ip") ?? "ip";

const usedSubnets = async (): Promise<Set<string>> => {
  const listed = await runTool(ipTool(), ["-o", "-4", "addr", "show"]);
  const subnets = new Set<string>();
  for (const match of listed.stdout.matchAll(/inet (\d+)\.(\d+)\.(\d+)\.\d+\//g)) subnets.add(`${match[1]}.${match[2]}.${match[3]}`);
  return subnets;
};

const ip = async (...args: string[]): Promise<void> => {
  const result = await runTool(ipTool(), args);
  if (result.code !== 0) throw new Error(`[skopush] [private-dockerd] ip ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
};

/**
 * Creates a bridge with a free 10.213.x.0/24 address. dockerd started with `--bridge=none` deletes the
 * host's `docker0` when it starts (it "removes the default bridge" it will not use), which breaks the shared
 * daemon's bridged containers; a daemon given a bridge of its own leaves `docker0` alone.
 */
export const createPrivateBridge = async (): Promise<PrivateBridge> => {
  const name = `skpbr${process.pid.toString(36)}${(created++).toString(36)}`.slice(0, 15);
  const used = await usedSubnets();
  const third = Array.from({ length: 254 }, (_, i) => i + 1).find((n) => !used.has(`10.213.${n}`));
  if (third === undefined) throw new Error("[skopush] [private-dockerd] no free 10.213.x.0/24 subnet for a private bridge");
  await ip("link", "add", name, "type", "bridge");
  try {
    await ip("addr", "add", `10.213.${third}.1/24`, "dev", name);
    await ip("link", "set", name, "up");
  } catch (error) {
    await runTool(ipTool(), ["link", "delete", name]);
    throw error;
  }
  return { name, remove: async () => void (await runTool(ipTool(), ["link", "delete", name])) };
};
