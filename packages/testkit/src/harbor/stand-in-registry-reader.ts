import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import type { RegistryTokenSigner } from "./registry-token.js";
import { HARBOR_TOKEN_ISSUER, HARBOR_TOKEN_SERVICE } from "./token-service.js";

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** What a `HEAD /v2/<repo>/manifests/<ref>` told about an artifact. */
export interface ManifestHead {
  readonly status: number;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/**
 * Reads a manifest's digest, type and size from the registry with a pull token the stand-in signs for
 * itself, as Harbor's core reads its own registry to answer artifact calls.
 */
export const readRegistryManifest = (
  registry: { readonly url: string; readonly ca?: string | undefined },
  signer: RegistryTokenSigner,
  settings: { readonly issuer?: string | undefined; readonly service?: string | undefined },
  repository: string,
  reference: string,
): Promise<ManifestHead> => {
  const { token } = signer.sign({
    issuer: settings.issuer ?? HARBOR_TOKEN_ISSUER,
    service: settings.service ?? HARBOR_TOKEN_SERVICE,
    subject: "harbor-stand-in",
    access: [{ type: "repository", name: repository, actions: ["pull"] }],
    lifetimeSeconds: 60,
  });
  const target = new URL(`/v2/${repository}/manifests/${reference}`, registry.url);
  const options = { method: "HEAD", headers: { authorization: `Bearer ${token}`, accept: MANIFEST_TYPES }, agent: false as const, timeout: 30_000 };
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          digest: String(res.headers["docker-content-digest"] ?? ""),
          mediaType: String(res.headers["content-type"] ?? ""),
          size: Number(res.headers["content-length"] ?? 0),
        }),
      );
    };
    const req =
      target.protocol === "https:"
        ? https.request(target, { ...options, ca: registry.ca ? [...rootCertificates, registry.ca] : undefined }, onResponse)
        : http.request(target, options, onResponse);
    req.on("timeout", () => req.destroy(new Error("registry did not answer within 30 s")));
    req.on("error", reject);
    req.end();
  });
};
