import "reflect-metadata";
import { readFileSync } from "node:fs";
import { container, type DependencyContainer } from "tsyringe";
import {
  fromPromiseStrategy,
  pushImage,
  registerRegistryPushStrategy,
  registerStrategy,
  resolveFallbackChain,
  resolvePusher,
  skopeoPushToHarbor,
  type PushStrategy,
} from "skopush";
import { DELEGATE, LABEL, LabelledStrategy } from "./labelled-strategy.js";

/** What the test hands over in a file (not in the environment, nor argv: it holds a password). */
interface Target {
  readonly archive: string;
  readonly host: string;
  readonly caFile: string;
  readonly username: string;
  readonly password: string;
  readonly repository: string;
}
const target = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Target;

/** The registry strategy, built in a container of its own, for a LabelledStrategy to delegate to. */
const registryStrategy = (): PushStrategy => resolveFallbackChain(registerRegistryPushStrategy(container.createChildContainer(), { blobInfoCacheDir: false })).strategies[0]!;

/** Which label each of a parent and two children sees, resolving in `order`. */
const overrides = (parentFirst: boolean) => {
  const parent = container.createChildContainer();
  parent.register(DELEGATE, { useValue: registryStrategy() });
  parent.register(LABEL, { useValue: "parent" });
  registerStrategy(parent, LabelledStrategy);
  const first = parent.createChildContainer();
  first.register(LABEL, { useValue: "first" });
  const second = parent.createChildContainer();
  const order: DependencyContainer[] = parentFirst ? [parent, first, second] : [second, first, parent];
  const seen = new Map(order.map((c) => [c, resolveFallbackChain(c).strategies[0]!]));
  return {
    names: [parent, first, second].map((c) => seen.get(c)!.name),
    distinct: new Set(seen.values()).size,
  };
};

const main = async () => {
  const credentials = { username: target.username, password: target.password };
  const tls = { verify: true, caFile: target.caFile };

  // A chain composed in the app: a promise-style strategy that cannot run here, then the app's class.
  const chain = container.createChildContainer();
  registerStrategy(chain, fromPromiseStrategy({ name: "elsewhere", probe: async () => ({ available: false, reason: "not on this machine" }), push: async () => { throw new Error("never called"); } }));
  chain.register(DELEGATE, { useValue: registryStrategy() });
  chain.register(LABEL, { useValue: "app-strategy" });
  registerStrategy(chain, LabelledStrategy);
  const composed = await resolvePusher(chain).push({ archive: target.archive, destination: `${target.host}/${target.repository}:composed`, credentials, tls });

  const viaPushImage = await pushImage({ archive: target.archive, destination: `${target.host}/${target.repository}:push-image`, credentials, tls, order: ["native", "registry"] });

  const [project, ...rest] = target.repository.split("/");
  const seed = await skopeoPushToHarbor({
    tarFile: target.archive,
    harborUrl: `https://${target.host}`,
    username: target.username,
    password: target.password,
    project: project!,
    repository: rest.join("/"),
    tag: "seed",
    caFile: target.caFile,
    preferDocker: false,
  });

  const pick = (r: { status: string; digest?: string | undefined; method?: string | undefined; message?: string | undefined }) => ({ status: r.status, digest: r.digest, method: r.method, message: r.message });
  process.stdout.write(
    `${JSON.stringify({ overrides: [overrides(true), overrides(false)], composed: pick(composed), pushImage: pick(viaPushImage), seed: pick(seed) })}\n`,
  );
};

await main();
