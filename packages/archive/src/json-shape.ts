import type { ArchiveInvalid } from "@skopush/core";
import { Effect } from "effect";
import { invalid } from "./archive-error.js";
import { parseDigest } from "./digest.js";

/** A JSON document that does not have the expected shape; `decode` turns it into `ArchiveInvalid`. */
class ShapeError extends Error {}

/** Runs `read` on a parsed JSON value; a {@link ShapeError} becomes `ArchiveInvalid` naming `what`. */
export const decode = <A>(path: string, what: string, value: unknown, read: (value: unknown) => A): Effect.Effect<A, ArchiveInvalid> =>
  Effect.try({
    try: () => read(value),
    catch: (cause) =>
      cause instanceof ShapeError
        ? invalid(path, `${what} ${cause.message}`, "this is not a document docker or skopeo writes; save the image again")
        : invalid(path, `${what} could not be read: ${String(cause)}`, undefined, cause),
  });

type Json = Readonly<Record<string, unknown>>;

/** The value as an object, or a shape error mentioning `at`. */
export const object = (value: unknown, at: string): Json => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ShapeError(`is not an object at ${at}`);
  return value as Json;
};

/** The value as an array. */
export const array = (value: unknown, at: string): ReadonlyArray<unknown> => {
  if (!Array.isArray(value)) throw new ShapeError(`has no array at ${at}`);
  return value;
};

/** The value as a string. */
export const string = (value: unknown, at: string): string => {
  if (typeof value !== "string") throw new ShapeError(`has no string at ${at}`);
  return value;
};

/** The value as a string, or `undefined` when absent or null. */
export const optionalString = (value: unknown, at: string): string | undefined =>
  value === undefined || value === null ? undefined : string(value, at);

/** The value as an array of strings; `[]` when absent or null. */
export const stringList = (value: unknown, at: string): ReadonlyArray<string> =>
  value === undefined || value === null ? [] : array(value, at).map((item, i) => string(item, `${at}[${i}]`));

/** The value as a digest (`sha256:<hex>` or `sha512:<hex>`). */
export const digest = (value: unknown, at: string): string => {
  const text = string(value, at);
  if (parseDigest(text) === undefined) throw new ShapeError(`has an invalid or unsupported digest ${JSON.stringify(text)} at ${at}`);
  return text;
};

/** The value as a non-negative safe integer. */
export const size = (value: unknown, at: string): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new ShapeError(`has no valid size at ${at}`);
  return value;
};

/** The value as string annotations; `{}` when absent. */
export const annotations = (value: unknown, at: string): Readonly<Record<string, string>> => {
  if (value === undefined || value === null) return {};
  const entries = Object.entries(object(value, at));
  return Object.fromEntries(entries.map(([key, item]) => [key, string(item, `${at}.${key}`)]));
};

/** An OCI content descriptor. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly platform: Platform | undefined;
}

/** An image's platform. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string | undefined;
}

/** `linux/arm64/v8`. */
export const formatPlatform = (platform: Platform | undefined): string =>
  platform === undefined ? "unknown platform" : [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");

const platform = (value: unknown, at: string): Platform | undefined => {
  if (value === undefined || value === null) return undefined;
  const json = object(value, at);
  return {
    os: string(json["os"], `${at}.os`),
    architecture: string(json["architecture"], `${at}.architecture`),
    variant: optionalString(json["variant"], `${at}.variant`),
  };
};

/** Reads an OCI descriptor; `mediaType` falls back to `fallbackMediaType` when absent. */
export const descriptor = (value: unknown, at: string, fallbackMediaType?: string): Descriptor => {
  const json = object(value, at);
  const mediaType = optionalString(json["mediaType"], `${at}.mediaType`) ?? fallbackMediaType;
  if (mediaType === undefined) throw new ShapeError(`has no mediaType at ${at}`);
  return {
    mediaType,
    digest: digest(json["digest"], `${at}.digest`),
    size: size(json["size"], `${at}.size`),
    annotations: annotations(json["annotations"], `${at}.annotations`),
    platform: platform(json["platform"], `${at}.platform`),
  };
};

/** The parts of an image config skopush uses. */
export interface ConfigSummary {
  readonly diffIds: ReadonlyArray<string>;
  readonly platform: Platform | undefined;
}

/** Reads `rootfs.diff_ids` (and the platform) of an image config. */
export const imageConfig = (value: unknown): ConfigSummary => {
  const json = object(value, "its top level");
  const rootfs = object(json["rootfs"], "rootfs");
  const diffIds = array(rootfs["diff_ids"], "rootfs.diff_ids").map((item, i) => digest(item, `rootfs.diff_ids[${i}]`));
  const os = optionalString(json["os"], "os");
  const architecture = optionalString(json["architecture"], "architecture");
  return {
    diffIds,
    platform: os && architecture ? { os, architecture, variant: optionalString(json["variant"], "variant") } : undefined,
  };
};
