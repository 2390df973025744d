import { describe, expect, it } from "vitest";
import {
  AuthenticationFailed,
  FallbackChain,
  Pusher,
  ImageReference,
  makeCredentials,
  OPTION_PHRASES,
  settingPhrase,
  StaticCredentialsProvider,
  TlsVerificationFailed,
  withSettingPhrases,
  type SettingPhrases,
} from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";

/** A caller's vocabulary that names every setting distinctly, as the CLI does with its flags. */
const FLAGS: SettingPhrases = Object.fromEntries(Object.keys(OPTION_PHRASES).map((id) => [id, () => `--flag-for-${id}`])) as unknown as SettingPhrases;

describe("setting phrases", () => {
  it("name option fields for library callers: a TLS failure says tls.caFile, never a CLI flag", () => {
    const error = new TlsVerificationFailed({ registry: "r.test", reason: "unknown authority" });
    expect(error.message).toContain("trust the registry's CA with the tls.caFile option (a PEM file), or opt out with tls: { verify: false }");
    expect(error.message).not.toContain("--");
  });

  it("name what the caller said inside withSettingPhrases, also across awaits, and only there", async () => {
    const error = new TlsVerificationFailed({ registry: "r.test", reason: "unknown authority" });
    const inside = await withSettingPhrases(FLAGS, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return error.message;
    });
    expect(inside).toContain("trust the registry's CA with --flag-for-caFile, or opt out with --flag-for-insecure");
    expect(settingPhrase("caFile")).toBe("the tls.caFile option (a PEM file)");
  });

  it("give the context a phrase needs: the container and its shared directory", () => {
    expect(settingPhrase("createContainer", { createCommand: "docker run -d --name x …" })).toBe("docker run -d --name x …");
    expect(settingPhrase("recreateContainer", { container: "x", createCommand: "docker run -d --name x …" })).toBe("docker rm -f x && docker run -d --name x …");
    expect(settingPhrase("sharedDir", { sharedDir: "/srv/share" })).toBe("set SKOPEO_SHARED_DIR=/srv/share or the container strategies' sharedDir option");
  });
});

describe("messages about what the caller gave", () => {
  it("a URL given as a reference says to drop the scheme, not that a registry has an empty port", () => {
    expect(() => ImageReference.parseOrThrow("https://127.0.0.1:5000/x:1")).toThrow(
      'invalid image reference "https://127.0.0.1:5000/x:1": reference starts with "https://": a reference names its registry as host[:port], with no scheme. Fix: write 127.0.0.1:5000/x:1 (skopush speaks https; tls: { verify: false } allows plain http)',
    );
  });

  it("a refused login says where its credentials came from", async () => {
    const refusing = FakePushStrategy.failing("native", new AuthenticationFailed({ registry: "r.test", username: "robot", reason: "401" }));
    const result = await new Pusher(new FallbackChain([refusing])).push({
      archive: "a.tar",
      destination: "r.test/p/a:1",
      credentials: new StaticCredentialsProvider(makeCredentials("robot", "pw", "SKOPUSH_USERNAME/SKOPUSH_PASSWORD")),
    });
    expect(result).toMatchObject({ status: "error", error: "AuthenticationFailed" });
    expect(result.status === "error" && result.message).toContain('failed for user "robot" (credentials from SKOPUSH_USERNAME/SKOPUSH_PASSWORD): 401');
  });
});
