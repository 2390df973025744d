import { Effect } from "effect";
import { pushStrategyContract } from "@skopush/testkit/contracts";
import { DockerodePushStrategy, SkopeoContainerManager } from "../src/index.js";
import { dockerEnv, leftovers, removeAll, testNames } from "./support.js";

pushStrategyContract({
  name: "dockerode",
  make: async (environment) => {
    const { name, sharedDir } = testNames();
    const options = { containerName: name, image: environment.skopeoImage, sharedDir: { hostPath: sharedDir }, env: dockerEnv(environment) };
    await Effect.runPromise(new SkopeoContainerManager(options).ensure());
    return {
      strategy: new DockerodePushStrategy(options),
      leftovers: async () => leftovers(sharedDir),
      cleanup: () => removeAll(name, sharedDir),
    };
  },
});
