import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pushStrategyContract } from "@skopush/testkit/contracts";
import { NativeSkopeoStrategy } from "../src/index.js";

pushStrategyContract({
  name: "native",
  make: async () => {
    // A private temp directory: whatever a push leaves in it is a leftover.
    const tempDirectory = await mkdtemp(join(tmpdir(), "skopush-native-contract-"));
    return {
      strategy: new NativeSkopeoStrategy({ tempDirectory }),
      leftovers: () => readdir(tempDirectory),
      cleanup: () => rm(tempDirectory, { recursive: true, force: true }),
    };
  },
});
