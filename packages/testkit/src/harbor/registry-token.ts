import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { libtrustKeyId } from "./libtrust-key-id.js";

/** One entry of a token's `access` claim. */
export interface TokenAccessEntry {
  readonly type: string;
  readonly name: string;
  readonly actions: ReadonlyArray<string>;
}

/** The claims of a registry token, as Harbor issues them. */
export interface RegistryTokenClaims {
  readonly iss: string;
  readonly sub: string;
  /** A string: distribution 2.8 fails to read an array ("malformed token"). */
  readonly aud: string;
  readonly exp: number;
  readonly nbf: number;
  readonly iat: number;
  readonly jti: string;
  readonly access: ReadonlyArray<TokenAccessEntry>;
}

/** Signs registry tokens with an RSA key: RS256, header `kid` = the key's libtrust ID. */
export class RegistryTokenSigner {
  readonly privateKey: KeyObject;
  /** The libtrust ID of the public key. */
  readonly keyId: string;
  private readonly publicKey: KeyObject;

  constructor(privateKeyPem: string | KeyObject) {
    this.privateKey = typeof privateKeyPem === "string" ? createPrivateKey(privateKeyPem) : privateKeyPem;
    this.publicKey = createPublicKey(this.privateKey);
    this.keyId = libtrustKeyId(this.privateKey);
  }

  /** A signed JWT for `subject` with `access`, valid for `lifetimeSeconds` from `now` (integer seconds). */
  sign(options: {
    readonly issuer: string;
    readonly service: string;
    readonly subject: string;
    readonly access: ReadonlyArray<TokenAccessEntry>;
    readonly lifetimeSeconds: number;
    readonly now?: number | undefined;
  }): { readonly token: string; readonly claims: RegistryTokenClaims } {
    const iat = Math.floor((options.now ?? Date.now()) / 1000);
    const claims: RegistryTokenClaims = {
      iss: options.issuer,
      sub: options.subject,
      aud: options.service,
      exp: iat + options.lifetimeSeconds,
      nbf: iat,
      iat,
      jti: randomBytes(16).toString("base64url"),
      access: options.access,
    };
    const header = { typ: "JWT", alg: "RS256", kid: this.keyId };
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = sign("sha256", Buffer.from(input), this.privateKey).toString("base64url");
    return { token: `${input}.${signature}`, claims };
  }

  /** The claims of a token this key signed (RS256); `undefined` for anything else. */
  verify(token: string): RegistryTokenClaims | undefined {
    const [header = "", claims = "", signature = ""] = token.split(".");
    try {
      const alg = (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown }).alg;
      if (alg !== "RS256") return undefined;
      const valid = verify("sha256", Buffer.from(`${header}.${claims}`), this.publicKey, Buffer.from(signature, "base64url"));
      return valid ? (JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as RegistryTokenClaims) : undefined;
    } catch {
      return undefined;
    }
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Decodes a JWT's header and claims without verifying it (for tests that inspect issued tokens). */
export const decodeJwt = (token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } => {
  const [header = "", claims = ""] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as Record<string, unknown>,
  };
};
