import { pushStrategyContract } from "@skopush/testkit/contracts";
import { contractTarget } from "./support.js";

pushStrategyContract({ name: "dockerode", make: (environment) => contractTarget(environment, "shared-directory") });
