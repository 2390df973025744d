import { credentialsProviderContract, type ProviderUnderTest } from "@skopush/testkit/contracts";
import { HarborCredentialsProvider } from "@skopush/credentials-harbor";
import { ACCOUNTS, startStandIn } from "./support.js";

/** A provider over a fresh stand-in; the known query names that stand-in's registry. */
const setup = async (account: { username: string; password: string }, options: { ephemeralRobot?: boolean } = {}) => {
  const env = await startStandIn();
  const built: ProviderUnderTest & { env: typeof env } = {
    env,
    provider: new HarborCredentialsProvider({ url: env.standIn.url, registry: env.registry, credentials: account, ...options }),
    knownQuery: { registry: env.registry, repository: "skopush/app" },
    cleanup: () => env.close(),
  };
  return built;
};

credentialsProviderContract({
  name: "HarborCredentialsProvider",
  make: () => setup(ACCOUNTS.robot),
  known: ACCOUNTS.robot,
  unknown: { registry: "other.example.com", repository: "skopush/app" },
  misconfigured: { make: () => setup({ username: ACCOUNTS.robot.username, password: "wrong" }), tag: "AuthenticationFailed" },
});

let ephemeral: Awaited<ReturnType<typeof setup>> | undefined;
credentialsProviderContract({
  name: "HarborCredentialsProvider (ephemeralRobot)",
  make: async () => (ephemeral = await setup(ACCOUNTS.admin, { ephemeralRobot: true })),
  known: { username: /^robot\$skopush\+skopush-[0-9a-f]{8}$/ },
  unknown: { registry: "other.example.com", repository: "skopush/app" },
  misconfigured: { make: () => setup(ACCOUNTS.developer, { ephemeralRobot: true }), tag: "AccessDenied" },
  liveResources: () => ephemeral?.env.store.robots.size ?? 0,
});
