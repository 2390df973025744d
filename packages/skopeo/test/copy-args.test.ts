import { describe, expect, it } from "vitest";
import { ImageReference, makeCredentials } from "@skopush/core";
import { copyArgs, destinationArgument, sourceArgument, type CopyArgsInput } from "../src/index.js";

const destination = ImageReference.parseOrThrow("harbor.example.com:8443/proj/app:v1");
const base: CopyArgsInput = {
  source: { transport: "docker-archive", path: "/work/image.tar" },
  destination,
  tlsVerify: true,
  retryTimes: 3,
  digestFile: "/tmp/ws/digest",
};

describe("copyArgs", () => {
  it("builds the minimal anonymous copy: explicit TLS, retries, digest file, --dest-no-creds", () => {
    expect(copyArgs(base)).toEqual([
      "copy",
      "--retry-times",
      "3",
      "--dest-tls-verify=true",
      "--dest-no-creds",
      "--digestfile",
      "/tmp/ws/digest",
      "docker-archive:/work/image.tar",
      "docker://harbor.example.com:8443/proj/app:v1",
    ]);
  });

  it("passes every option", () => {
    const args = copyArgs({
      ...base,
      source: { transport: "oci-archive", path: "/work/image.oci.tar" },
      authFile: "/tmp/ws/auth.json",
      certDir: "/tmp/ws/certs",
      tlsVerify: false,
      retryTimes: 0,
      manifestFormat: "oci",
    });
    expect(args).toEqual([
      "copy",
      "--retry-times",
      "0",
      "--dest-tls-verify=false",
      "--dest-authfile",
      "/tmp/ws/auth.json",
      "--dest-cert-dir",
      "/tmp/ws/certs",
      "--digestfile",
      "/tmp/ws/digest",
      "--format",
      "oci",
      "oci-archive:/work/image.oci.tar",
      "docker://harbor.example.com:8443/proj/app:v1",
    ]);
    expect(args).not.toContain("--dest-no-creds");
    expect(copyArgs({ ...base, manifestFormat: "v2s2" })).toContain("v2s2");
    expect(copyArgs({ ...base, source: { transport: "oci", path: "/work/layout" } })).toContain("oci:/work/layout");
  });

  it("passes --dest-compress-format only when asked", () => {
    const args = copyArgs({ ...base, compressFormat: "zstd", manifestFormat: "oci" });
    expect(args.slice(args.indexOf("--dest-compress-format"), args.indexOf("--dest-compress-format") + 2)).toEqual(["--dest-compress-format", "zstd"]);
    expect(args.indexOf("--dest-compress-format")).toBeLessThan(args.indexOf("docker-archive:/work/image.tar"));
    expect(copyArgs(base)).not.toContain("--dest-compress-format");
  });

  it("never carries credentials: no credential flags, no username, no secret", () => {
    const credentials = makeCredentials("robot$proj+ci", "s3cr:et$");
    const args = copyArgs({ ...base, authFile: "/tmp/ws/auth.json" });
    const text = args.join(" ");
    for (const flag of ["--dest-creds", "--creds", "--dest-password", "--dest-username", "--dest-registry-token", "--src-creds"]) {
      expect(args.some((arg) => arg.startsWith(flag))).toBe(false);
    }
    expect(text).not.toContain(credentials.username);
    expect(text).not.toContain("s3cr:et$");
    expect(text).not.toContain(Buffer.from("robot$proj+ci:s3cr:et$").toString("base64"));
  });

  it("refuses a source path skopeo would cut at ':' or read relative to its working directory", () => {
    expect(() => sourceArgument({ transport: "docker-archive", path: "/work/build:2024/image.tar" })).toThrow(/contains ':'/);
    expect(() => sourceArgument({ transport: "docker-archive", path: "image.tar" })).toThrow(/absolute/);
    expect(() => copyArgs({ ...base, retryTimes: -1 })).toThrow(/non-negative/);
    expect(() => copyArgs({ ...base, retryTimes: 1.5 })).toThrow(/non-negative/);
  });

  it("names the destination by tag, by digest when there is no tag, else as latest", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(destinationArgument(ImageReference.parseOrThrow(`harbor.example.com/proj/app@${digest}`))).toBe(`docker://harbor.example.com/proj/app@${digest}`);
    expect(destinationArgument(ImageReference.parseOrThrow(`harbor.example.com/proj/app:v2@${digest}`))).toBe("docker://harbor.example.com/proj/app:v2");
    expect(destinationArgument(ImageReference.parseOrThrow("harbor.example.com/proj/app"))).toBe("docker://harbor.example.com/proj/app:latest");
    expect(destinationArgument(ImageReference.parseOrThrow("ubuntu"))).toBe("docker://docker.io/library/ubuntu:latest");
  });
});
