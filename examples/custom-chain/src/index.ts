import "reflect-metadata";

export { AUDIT_LOG, AuditedNativeSkopeoStrategy, type AuditEntry, type AuditLog } from "./audited-native-strategy.js";
export { composeChain, type ComposeChainOptions } from "./compose-chain.js";
