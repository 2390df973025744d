import { readFileSync } from "node:fs";
import { HarborApiStandIn } from "./harbor-api-stand-in.js";
import { HarborStandInStore } from "./harbor-stand-in-store.js";
import { RegistryTokenSigner } from "./registry-token.js";
import type { StandInProcessConfig } from "./stand-in-config.js";

// The test environment runs the HarborApiStandIn as its own process: node stand-in-main.js <config.json>.
const configFile = process.argv[2];
if (!configFile) {
  console.error("usage: node stand-in-main.js <config.json>");
  process.exit(2);
}
const config = JSON.parse(readFileSync(configFile, "utf8")) as StandInProcessConfig;
const standIn = await HarborApiStandIn.start({
  store: new HarborStandInStore(config.settings, config.seed),
  signer: new RegistryTokenSigner(readFileSync(config.signingKey, "utf8")),
  tls: { cert: readFileSync(config.tls.cert, "utf8"), key: readFileSync(config.tls.key, "utf8") },
  port: config.port,
  controlSecret: config.controlSecret,
  registry: config.registry && {
    url: config.registry.url,
    ca: config.registry.caFile ? readFileSync(config.registry.caFile, "utf8") : undefined,
  },
});
console.log(`[harbor-stand-in] listening at ${standIn.url} (pid ${process.pid})`);
const stop = () => {
  void standIn.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
