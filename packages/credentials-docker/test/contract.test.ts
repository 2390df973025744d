import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CredentialsProvider } from "@skopush/core";
import { credentialsProviderContract, type ProviderUnderTest } from "@skopush/testkit/contracts";
import {
  ContainersAuthCredentialsProvider,
  DockerConfigCredentialsProvider,
  EnvironmentCredentialsProvider,
  makeCredentials,
  StaticCredentialsProvider,
} from "@skopush/credentials-docker";
import { auth, writeFakeHelper, writeJson } from "./support.js";

const username = "robot$proj+ci";
const password = "he:lper$ecret";
const known = { query: { registry: "found.example:5000", repository: "proj/app" }, username, password };
const unknown = { registry: "nothing-here.example", repository: "proj/app" };

/** A temp home dir, filled by `fill`, removed by the contract. */
const inHome = async (fill: (home: string) => Promise<CredentialsProvider>): Promise<ProviderUnderTest> => {
  const home = await mkdtemp(join(tmpdir(), "skopush-contract-"));
  return { provider: await fill(home), cleanup: () => rm(home, { recursive: true, force: true }) };
};

credentialsProviderContract({
  name: "EnvironmentCredentialsProvider",
  make: () => ({ provider: new EnvironmentCredentialsProvider({ env: { SKOPUSH_USERNAME: username, SKOPUSH_PASSWORD: password }, registry: "found.example:5000" }) }),
  known,
  unknown,
  misconfigured: { make: () => ({ provider: new EnvironmentCredentialsProvider({ env: { SKOPUSH_PASSWORD: password } }) }), tag: "CredentialsError" },
});

credentialsProviderContract({
  name: "DockerConfigCredentialsProvider (auths)",
  make: () =>
    inHome(async (home) => {
      await writeJson(join(home, ".docker", "config.json"), { auths: { "found.example:5000": { auth: auth(username, password) } } });
      return new DockerConfigCredentialsProvider({ homeDir: home, env: {} });
    }),
  known,
  unknown,
  misconfigured: {
    make: () =>
      inHome(async (home) => {
        await writeJson(join(home, ".docker", "config.json"), `{"auths": {"found.example:5000": {"auth": "${auth(username, password)}"}`);
        return new DockerConfigCredentialsProvider({ homeDir: home, env: {} });
      }),
    tag: "CredentialsError",
  },
});

credentialsProviderContract({
  name: "DockerConfigCredentialsProvider (credential helper)",
  make: () =>
    inHome(async (home) => {
      await writeFakeHelper(join(home, "bin"));
      await writeJson(join(home, ".docker", "config.json"), { credHelpers: { "found.example:5000": "skopushtest" } });
      return new DockerConfigCredentialsProvider({ homeDir: home, env: { PATH: `${join(home, "bin")}:/usr/bin:/bin` } });
    }),
  known,
  unknown: { registry: "missing.example", repository: "proj/app" },
  misconfigured: {
    make: () =>
      inHome(async (home) => {
        await writeJson(join(home, ".docker", "config.json"), { credsStore: "skopush-missing-helper" });
        return new DockerConfigCredentialsProvider({ homeDir: home, env: { PATH: "/usr/bin:/bin" } });
      }),
    tag: "CredentialsError",
  },
});

credentialsProviderContract({
  name: "ContainersAuthCredentialsProvider",
  make: () =>
    inHome(async (home) => {
      await writeJson(join(home, ".config", "containers", "auth.json"), { auths: { "found.example:5000/proj": { auth: auth(username, password) } } });
      return new ContainersAuthCredentialsProvider({ homeDir: home, env: {}, uid: 99999 });
    }),
  known,
  unknown,
  misconfigured: {
    make: () =>
      inHome(async (home) => {
        await writeJson(join(home, ".config", "containers", "auth.json"), { auths: { "found.example:5000/proj": { auth: "!!" } } });
        return new ContainersAuthCredentialsProvider({ homeDir: home, env: {}, uid: 99999 });
      }),
    tag: "CredentialsError",
  },
});

credentialsProviderContract({
  name: "StaticCredentialsProvider (re-exported from core)",
  make: () => ({ provider: new StaticCredentialsProvider(makeCredentials(username, password), "found.example:5000") }),
  known,
  unknown,
});
