import { Effect } from "effect";
import { pushStrategyContract } from "@skopush/testkit/contracts";
import { DockerodePushStrategy, SkopeoContainerManager } from "../src/index.js";
import { containerLeftovers, dockerEnv, leftovers, removeAll, testNames } from "./support.js";

// The same contract when the archive is streamed into the container (putArchive) instead of shared.
pushStrategyContract({
  name: "dockerode",
  make: async (environment) => {
    const { name, sharedDir } = testNames();
    const options = { containerName: name, image: environment.skopeoImage, sharedDir: { hostPath: sharedDir }, env: dockerEnv(environment) };
    await Effect.runPromise(new SkopeoContainerManager(options).ensure());
    return {
      strategy: new DockerodePushStrategy({ ...options, transfer: "upload" }),
      leftovers: async () => [...leftovers(sharedDir), ...(await containerLeftovers(name))],
      cleanup: () => removeAll(name, sharedDir),
    };
  },
});
