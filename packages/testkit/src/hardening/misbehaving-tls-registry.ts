import type { TestEnvironment } from "../environment/test-environment.js";
import { startMisbehavingRegistry, type MisbehavingRegistry, type MisbehavingRegistryOptions } from "./misbehaving-registry.js";

/**
 * A misbehaving https registry in front of the environment's TLS registry: it proxies to it, trusts the
 * test CA and serves the environment's server certificate, so clients that trust the test CA reach it.
 */
export const startMisbehavingTlsRegistry = (environment: TestEnvironment, options: MisbehavingRegistryOptions = {}): Promise<MisbehavingRegistry> => {
  const registry = environment.registry("tls");
  return startMisbehavingRegistry({
    upstream: registry.url,
    caFile: registry.caFile,
    tls: { certFile: environment.state.certificates.serverCert, keyFile: environment.state.certificates.serverKey },
    ...options,
  });
};
