import { channel } from "node:diagnostics_channel";

/** The `node:diagnostics_channel` name skopush publishes its decisions on; the CLI's `--verbose` subscribes. */
export const SKOPUSH_DEBUG_CHANNEL = "skopush:debug";

/** What a debug entry is about. HTTP requests are not published here: Node publishes them (`http.client.*`). */
export type DebugTopic = "strategy" | "credentials" | "command";

/** One entry: a line for people. Never holds a secret (passwords, tokens, authfile contents). */
export interface DebugEntry {
  readonly topic: DebugTopic;
  readonly message: string;
}

const debugChannel = channel(SKOPUSH_DEBUG_CHANNEL);

/**
 * Publishes a debug entry when someone listens; `message` is only built then, so an unobserved push pays
 * one check. Subscribe with `diagnostics_channel.subscribe(SKOPUSH_DEBUG_CHANNEL, (entry) => …)`.
 */
export const publishDebug = (topic: DebugTopic, message: () => string): void => {
  if (!debugChannel.hasSubscribers) return;
  const entry: DebugEntry = { topic, message: message() };
  debugChannel.publish(entry);
};
