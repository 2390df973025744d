import { createHash, createPublicKey, KeyObject, type KeyLike } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const base32 = (bytes: Uint8Array): string => {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
};

/**
 * The key ID docker/libtrust gives a public key, which distribution 2.8 and Harbor put in a token's
 * `kid`: SHA-256 of the DER SubjectPublicKeyInfo, first 30 bytes, base32, in 12 groups of 4 joined by `:`.
 */
export const libtrustKeyId = (key: KeyLike | string): string => {
  const publicKey = key instanceof KeyObject && key.type === "public" ? key : createPublicKey(key);
  const der = publicKey.export({ type: "spki", format: "der" });
  const digest = createHash("sha256").update(der).digest().subarray(0, 30);
  return (base32(digest).match(/.{4}/g) ?? []).join(":");
};
