/**
 * Bounds on what an archive can make skopush do. Archives come from CI jobs and users; a hostile one must
 * not be able to exhaust memory or loop.
 */

/**
 * The largest JSON document (manifest.json, index.json, a manifest, an index, a config) read into memory:
 * 4 MiB, the manifest size limit of distribution and the one registries are required to accept.
 */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** The largest PAX or GNU long-name extension header read into memory. */
export const MAX_EXTENSION_HEADER_BYTES = 1024 * 1024;

/** The most entries an archive's tar may hold (an image of 1000 layers has about 5000). */
export const MAX_TAR_ENTRIES = 200_000;

/** The most links followed while resolving one path, as Linux's MAXSYMLINKS. */
export const MAX_LINK_HOPS = 40;

/** The deepest nesting of image indexes followed from `index.json`. */
export const MAX_INDEX_DEPTH = 4;
