import { blobExists, listTags, readManifest, registryRequest, type RegistryEndpoint } from "../environment/registry-client.js";

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
