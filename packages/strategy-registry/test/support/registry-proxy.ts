// The proxy serves the hardening tests too; it lives in testkit.
export { startRegistryProxy, type ProxiedRequest, type RegistryProxy, type RegistryProxyOptions } from "@skopush/testkit/hardening";
