import { defineProject, type TestProjectConfiguration } from "vitest/config";

// Resolve workspace packages to their TypeScript sources, so tests never run against a stale build.
const resolve = { conditions: ["@skopush/source", "import", "module", "node", "default"] };
// Test files sit outside the packages' tsconfig `include`, so tsconfig-derived transform options do not
// reach them: enable the legacy decorators tsyringe needs explicitly (no decorator metadata, by design).
const oxc = { decorator: { legacy: true, emitDecoratorMetadata: false } };

/** The test projects: fast unit tests at the seams, and integration tests against real parts. */
export const projects: TestProjectConfiguration[] = [
  defineProject({
    resolve,
    oxc,
    ssr: { resolve: { conditions: resolve.conditions, externalConditions: ["@skopush/source"] } },
    test: {
      name: "unit",
      include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
      exclude: ["**/*.integration.test.ts", "**/node_modules/**"],
      setupFiles: ["./vitest.setup.ts"],
    },
  }),
  defineProject({
    resolve,
    oxc,
    ssr: { resolve: { conditions: resolve.conditions, externalConditions: ["@skopush/source"] } },
    test: {
      name: "integration",
      include: ["packages/*/test/**/*.integration.test.ts", "examples/*/test/**/*.integration.test.ts"],
      setupFiles: ["./vitest.setup.ts"],
      // Builds the `skopush` bundle the CLI tests run, then brings the real environment up (dockerd,
      // skopeo image, registries); tests call loadTestEnvironment().
      globalSetup: ["./test/build-bundle.global-setup.ts", "./packages/testkit/src/environment/vitest-global-setup.ts"],
      testTimeout: 120_000,
      hookTimeout: 300_000,
    },
  }),
];
