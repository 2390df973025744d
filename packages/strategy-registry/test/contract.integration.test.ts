import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pushStrategyContract } from "@skopush/testkit/contracts";
import { RegistryPushStrategy } from "@skopush/strategy-registry";

pushStrategyContract({
  name: "registry",
  make: async () => {
    const dir = await mkdtemp(join(tmpdir(), "skopush-registry-contract-"));
    const temp = join(dir, "tmp");
    await import("node:fs/promises").then((fs) => fs.mkdir(temp));
    const strategy = new RegistryPushStrategy({ blobInfoCacheDir: join(dir, "cache"), tempDirectory: temp });
    return {
      strategy,
      leftovers: async () => (await readdir(temp)).map((name) => join(temp, name)),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});
