import { pushStrategyContract } from "@skopush/testkit/contracts";
import { DockerExecPushStrategy } from "../src/index.js";
import { startTestContainer } from "./support.js";

pushStrategyContract({
  name: "docker-exec",
  make: async (environment) => {
    const container = await startTestContainer(environment);
    return {
      strategy: new DockerExecPushStrategy({ containerName: container.name, sharedDir: { hostPath: container.sharedDir } }),
      leftovers: async () => container.leftovers(),
      cleanup: () => container.remove(),
    };
  },
});
