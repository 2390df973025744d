import { ImageReference, normaliseRegistryHost } from "@skopush/core";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { PlanInvalid } from "./plan-invalid.js";
import type { PlanItem, PushPlan } from "./push-plan.js";

const PLATFORM = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)?$/;
const COMPRESSIONS = ["gzip", "zstd", "none"] as const;
const MANIFEST_FORMATS = ["oci", "v2s2"] as const;
const FIELDS = new Set(["archive", "destination", "platform", "image", "compression", "manifestFormat"]);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Checks one item; the first fault found, as a `PlanInvalid` naming the item and field. */
const checkItem = (source: string, value: unknown, index: number): PlanItem | PlanInvalid => {
  const fault = (field: string | undefined, reason: string, fix: string) => new PlanInvalid({ source, item: index, field, reason, fix });
  if (!isRecord(value)) return fault(undefined, "is not an object", 'write each item as { "archive": "…", "destination": "…" }');
  for (const key of Object.keys(value)) {
    if (!FIELDS.has(key)) return fault(key, `has an unknown field ${JSON.stringify(key)}`, `use only ${[...FIELDS].join(", ")}`);
  }
  const text = (field: string, required: boolean): string | undefined | PlanInvalid => {
    const v = value[field];
    if (v === undefined && !required) return undefined;
    if (typeof v !== "string" || v.trim() === "") return fault(field, v === undefined ? "is missing" : "is not a non-empty string", `give ${field} as a string`);
    return v;
  };
  const archive = text("archive", true);
  if (archive instanceof PlanInvalid) return archive;
  const destination = text("destination", true);
  if (destination instanceof PlanInvalid) return destination;
  const parsed = Effect.runSyncExit(ImageReference.parse(destination as string));
  if (Exit.isFailure(parsed)) return fault("destination", `${JSON.stringify(destination)} is not an image reference`, "write it as host[:port]/project/repository:tag");
  const platform = text("platform", false);
  if (platform instanceof PlanInvalid) return platform;
  if (platform !== undefined && !PLATFORM.test(platform)) return fault("platform", `${JSON.stringify(platform)} is not os/architecture[/variant]`, "write it like linux/arm64 or linux/arm/v7");
  const image = text("image", false);
  if (image instanceof PlanInvalid) return image;
  const compression = value.compression;
  if (compression !== undefined && !COMPRESSIONS.includes(compression as never)) return fault("compression", `${JSON.stringify(compression)} is not a compression`, `use one of ${COMPRESSIONS.join(", ")}`);
  const manifestFormat = value.manifestFormat;
  if (manifestFormat !== undefined && !MANIFEST_FORMATS.includes(manifestFormat as never)) return fault("manifestFormat", `${JSON.stringify(manifestFormat)} is not a manifest format`, `use one of ${MANIFEST_FORMATS.join(", ")}`);
  return {
    archive: archive as string,
    destination: (parsed as Exit.Success<ImageReference>).value.toString(),
    ...(platform === undefined ? {} : { platform }),
    ...(image === undefined ? {} : { image }),
    ...(compression === undefined ? {} : { compression: compression as PlanItem["compression"] }),
    ...(manifestFormat === undefined ? {} : { manifestFormat: manifestFormat as PlanItem["manifestFormat"] }),
  };
};

/**
 * What a destination writes: its registry (case folded, port as a number, Docker Hub's aliases as one)
 * and repository, and the tag (`latest` when none) or digest. Two items with the same key race for one tag.
 */
const destinationKey = (destination: string): string => {
  const reference = ImageReference.parseOrThrow(destination);
  const host = normaliseRegistryHost(reference.registry).replace(/:(\d+)$/, (_, port: string) => `:${Number(port)}`);
  return `${host}/${reference.repository}@${reference.manifestReference}`;
};

/**
 * Validates a plan value: a list of items, or `{ "items": [...] }`. Each item needs `archive` and a
 * valid `destination`; destinations are unique. The first fault is returned as a `PlanInvalid` naming the item.
 */
export const parsePlan = (value: unknown, source = "the plan"): Effect.Effect<PushPlan, PlanInvalid> =>
  Effect.suspend(() => {
    const list = Array.isArray(value) ? value : isRecord(value) && Array.isArray(value.items) ? value.items : undefined;
    if (list === undefined) {
      return Effect.fail(new PlanInvalid({ source, reason: "is neither a list of items nor an object with an items list", fix: 'write [{ "archive": "app.tar", "destination": "registry.example/p/app:1" }, …]' }));
    }
    if (list.length === 0) return Effect.fail(new PlanInvalid({ source, reason: "has no items", fix: "list at least one archive and destination" }));
    const items: PlanItem[] = [];
    const seen = new Map<string, number>();
    for (const [index, value] of list.entries()) {
      const item = checkItem(source, value, index);
      if (item instanceof PlanInvalid) return Effect.fail(item);
      const key = destinationKey(item.destination);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        return Effect.fail(new PlanInvalid({ source, item: index, field: "destination", reason: `${item.destination} is item ${earlier}'s destination too`, fix: "give each destination once" }));
      }
      seen.set(key, index);
      items.push(item);
    }
    return Effect.succeed({ items });
  });
