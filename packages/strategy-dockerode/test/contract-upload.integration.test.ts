import { pushStrategyContract } from "@skopush/testkit/contracts";
import { contractTarget } from "./support.js";

// The same contract when the archive is streamed into the container (putArchive) instead of shared.
pushStrategyContract({ name: "dockerode", make: (environment) => contractTarget(environment, "upload") });
