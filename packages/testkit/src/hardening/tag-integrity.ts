import { join } from "node:path";
import { blobExists, listTags, readManifest, registryRequest, type RegistryEndpoint } from "../environment/registry-client.js";
import { entriesOf } from "./directory-watcher.js";

/**
 * What is wrong with the tags of `repository`: a tag whose manifest cannot be read, or whose manifest
 * references a blob (config or layer) or a child manifest the registry does not have. Empty when every
 * tag points at complete content, or when the repository has no tags.
 */
export const tagIntegrityProblems = async (registry: RegistryEndpoint, repository: string): Promise<string[]> => {
  const problems: string[] = [];
  for (const tag of await listTags(registry, repository)) {
    let manifest;
    try {
      manifest = await readManifest(registry, repository, tag);
    } catch (error) {
      problems.push(`${repository}:${tag}: the manifest cannot be read (${(error as Error).message})`);
      continue;
    }
    for (const child of manifest.json.manifests ?? []) {
      const head = await registryRequest(registry, {
        method: "HEAD",
        path: `/v2/${repository}/manifests/${child.digest}`,
        headers: { accept: child.mediaType },
      });
      if (head.status !== 200) problems.push(`${repository}:${tag}: the index names manifest ${child.digest}, which the registry does not have (HTTP ${head.status})`);
    }
    for (const blob of [...(manifest.json.config ? [manifest.json.config] : []), ...(manifest.json.layers ?? [])]) {
      if (!(await blobExists(registry, repository, blob.digest))) problems.push(`${repository}:${tag}: blob ${blob.digest} is missing`);
    }
  }
  return problems;
};

/**
 * The tags of `repository` as the registry's storage holds them on disk (distribution's filesystem
 * driver): no API call, so no account or token is needed, not even for a Harbor project that does not
 * exist. Empty when the repository was never written.
 */
export const storedTags = (registry: { readonly storageDir: string }, repository: string): string[] =>
  entriesOf(join(registry.storageDir, "docker", "registry", "v2", "repositories", ...repository.split("/"), "_manifests", "tags"));
