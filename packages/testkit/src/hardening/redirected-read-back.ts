import { startMisbehavingRegistry, type MisbehavingRegistry, type MisbehavingRegistryOptions } from "./misbehaving-registry.js";

/** The options of a liar whose manifest read-back is served by {@link RedirectedReadBack.elsewhere}. */
export interface RedirectedReadBack {
  /** Another host that serves, on every manifest GET, the manifest the liar kept. */
  readonly elsewhere: MisbehavingRegistry;
  /** For the liar: keep each manifest PUT (storing nothing), then redirect every manifest GET to `elsewhere`. */
  readonly liar: MisbehavingRegistryOptions;
}

/**
 * A read-back redirected to another host that serves what was PUT: the destination stores nothing, yet a
 * verifier that follows the redirect reads the pushed manifest back. Close `elsewhere` when done.
 */
export const redirectedReadBack = async (): Promise<RedirectedReadBack> => {
  const elsewhere = await startMisbehavingRegistry({ rules: [{ when: "manifest-get", act: { kind: "echo-manifest" } }] });
  return {
    elsewhere,
    liar: {
      keptManifests: elsewhere.keptManifests,
      rules: [
        { when: "manifest-put", act: { kind: "keep-manifest" } },
        { when: (req) => req.method === "GET" && /\/manifests\//.test(req.url ?? "") && elsewhere.keptManifests.size > 0, act: { kind: "redirect", to: elsewhere.url } },
      ],
    },
  };
};
