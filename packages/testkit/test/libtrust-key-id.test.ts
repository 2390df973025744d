import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { libtrustKeyId } from "@skopush/testkit/harbor";

// Public test keys and their libtrust key IDs, as published with the libtrust test fixtures
// (an RSA 4096 key and an EC P-256 key); computed independently of this implementation.
const RSA_PUBLIC = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAwq1mCmgn460MC6MnCqra
nQNTgmKuKPl7bNH7Qc6hBDGHlnIjU6q/h2KXF37TC5Y9tsKvQ4b8jd0Sf0dXFHml
8qunSvNnqsSvoD8tSPUKqXS6jrlbGSQXhya7BL1RPGccD5K1xrV73QlI6uFPd3AP
RQYij5EOB8IOWEQujJk/8Mjc0EC9zvk5TUJb59hkOUPZ3CkvSBNLNS8wpQI98FRn
IzHjuaNicqve8054oxmDKifHWy0nnF135cXW8zkH3Zto1q89zD2g+zcVxLcRP84U
he0nSQyg7vEYl4Wl74Eo6/89qL2yE0mEiQN245ACA5B8WFV/t3j/OD3ydOCaAOg2
8vQtzcZ1gh2Ev4RxeR7bKq58g+R0+MMwl7nnW29mbCkcgdVVR4YPmglP7Vb6w7/N
bqFhnxx4E3A05AeevHdMdYCrtgQwogvIhdOHLcVQxJgwy1d2Lg/mv9rovhCJ7d3X
aNEYym6CplCHPMtfnU1LCVkA6b44pFaOVjsAQ8FviFtGXQAToRtwoszSarzslHKY
dPoSGFOsgNJgW67iViOYqGPD97rgJA0VPm0POMNHGw/R6o+08KhDF/OI1EDckmjX
hUggY/WCqWDxD77Ezd/wr9Zlbv/uSIEL9ifvBLq06lLcXMLrQbJrwMbDrngMZMAc
UkTzThmtxNs4uwu45R+zfKcCAwEAAQ==
-----END PUBLIC KEY-----`;
const EC_PUBLIC = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4pBqYlc5IU5pJh5AOvijtEccStyJ
u0dSAiz4OlDGGFk5PvSlSh+wqUcSyp1ZRSP5kX7Pluof72g5MniaoFrLKg==
-----END PUBLIC KEY-----`;

describe("libtrustKeyId", () => {
  it("matches libtrust's ID of a fixed RSA key", () => {
    expect(libtrustKeyId(RSA_PUBLIC)).toBe("IIYO:OWAZ:MBMG:2SIK:IK2I:OP5Z:H6QR:KN6Y:QUGO:BUWN:TYW3:JXVW");
  });

  it("matches libtrust's ID of a fixed EC P-256 key", () => {
    expect(libtrustKeyId(EC_PUBLIC)).toBe("UEV2:PPF2:4DMU:WZYF:WOWU:677P:B7XU:SGFA:BMUG:NCTC:R7CL:XFKZ");
  });

  it("gives 12 groups of 4 base32 characters, the same for a private key and its public key", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const id = libtrustKeyId(privateKey);
    expect(id).toMatch(/^[A-Z2-7]{4}(?::[A-Z2-7]{4}){11}$/);
    expect(libtrustKeyId(publicKey)).toBe(id);
  });
});
