import { readFileSync } from "node:fs";
import { HarborApiStandIn } from "../harbor/harbor-api-stand-in.js";
import { HarborStandInStore, type StandInSeed, type StandInSettings } from "../harbor/harbor-stand-in-store.js";
import { RegistryTokenSigner } from "../harbor/registry-token.js";
import { layoutOf } from "./paths.js";
import type { TestEnvironment } from "./test-environment.js";

/**
 * A Harbor stand-in of the test's own (its settings: an OIDC Harbor, another robot prefix…; its accounts
 * and projects), in this process, in front of the environment's `token` registry: it signs tokens with the
 * environment's token key, which that registry trusts, and serves HTTPS with the test CA, so pushes through
 * its `/v2/*` land in the token registry. Close it when done.
 */
export const startHarborStandInBeside = (
  environment: TestEnvironment,
  options: { readonly settings?: StandInSettings | undefined; readonly seed?: StandInSeed | undefined } = {},
): Promise<HarborApiStandIn> => {
  const { certificates } = environment.state;
  const token = environment.registry("token");
  return HarborApiStandIn.start({
    store: new HarborStandInStore(options.settings, options.seed),
    signer: new RegistryTokenSigner(readFileSync(layoutOf(environment.stateDir).tokenSignerKey, "utf8")),
    tls: { cert: readFileSync(certificates.serverCert, "utf8"), key: readFileSync(certificates.serverKey, "utf8") },
    registry: { url: token.url, ca: token.caFile ? readFileSync(token.caFile, "utf8") : undefined },
  });
};
