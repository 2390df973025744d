import type { LayerCompressionChoice, ManifestFormat } from "@skopush/core";

/** One image of a plan: an archive and where it goes, with settings of its own. */
export interface PlanItem {
  /** The image tarball (docker-archive or oci-archive), relative to the plan file's directory when loaded from one. */
  readonly archive: string;
  /** `host[:port]/project/repo:tag`. Unique within a plan. */
  readonly destination: string;
  /** One platform of a multi-platform archive, `os/architecture[/variant]`. @default every platform */
  readonly platform?: string | undefined;
  /** Which image of an archive holding several (a RepoTags entry or an OCI ref name). @default the one named like the destination */
  readonly image?: string | undefined;
  /** What layers stored uncompressed are sent as. @default the run's compression */
  readonly compression?: LayerCompressionChoice | undefined;
  /** @default the run's manifest format */
  readonly manifestFormat?: ManifestFormat | undefined;
}

/** A list of images to push: what `skopush push-many` reads and `pushMany` runs. */
export interface PushPlan {
  readonly items: ReadonlyArray<PlanItem>;
}
