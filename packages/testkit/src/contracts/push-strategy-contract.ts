import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cancelOnAbort,
  defaultRetrySettings,
  ImageReference,
  isPushError,
  makeCredentials,
  type ProgressEvent,
  type PushError,
  type PushErrorTag,
  type PushOutcome,
  type PushRequest,
  type PushStrategy,
} from "@skopush/core";
import { freePort } from "../environment/free-port.js";
import { listTags, loadTestEnvironment, pushSettingsFor, readManifest, type TestEnvironment, type TestRegistry } from "../environment/index.js";
import { writeHostileArchive, writeImageArchive, type FixtureFormat, type ImageArchiveMetadata } from "../fixtures/index.js";
import { multiImageCases } from "./multi-image-cases.js";
import { processTexts as processTextsNow } from "../hardening/processes.js";

/** A strategy under test, and how to tear down what was built for it. */
export interface StrategyUnderTest {
  readonly strategy: PushStrategy;
  /**
   * What the strategy left behind that it should not have (files in a shared directory, temp dirs,
   * containers…); the contract expects none after every push, however it ended.
   */
  readonly leftovers?: (() => Promise<ReadonlyArray<string>>) | undefined;
  readonly cleanup?: (() => Promise<void> | void) | undefined;
}

/** How one adapter is held to the {@link PushStrategy} contract. */
export interface PushStrategyContractOptions {
  /** The `name` the strategy must have, e.g. `native`. */
  readonly name: string;
  /** Builds the strategy, configured for the running test environment. */
  readonly make: (environment: TestEnvironment) => Promise<StrategyUnderTest> | StrategyUnderTest;
}

const succeeded = (exit: Exit.Exit<PushOutcome, PushError>): PushOutcome => {
  if (Exit.isFailure(exit)) throw new Error(`expected the push to succeed, it failed: ${Cause.pretty(exit.cause)}`);
  return exit.value;
};

const failure = (exit: Exit.Exit<PushOutcome, PushError>): PushError => {
  if (Exit.isSuccess(exit)) throw new Error(`expected the push to fail, it pushed ${exit.value.digest}`);
  const found = Cause.findErrorOption(exit.cause);
  if (found._tag === "None") throw new Error(`expected a typed error, got ${Cause.pretty(exit.cause)}`);
  if (!isPushError(found.value)) throw new Error(`expected a skopush error, got ${String(found.value)}`);
  return found.value;
};

/** Reads every process's argv and environment, as any local user (or root) could. */
const processTexts = async (): Promise<string[]> => {
  const texts: string[] = [];
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    for (const file of ["cmdline", "environ"]) {
      const text = await readFile(`/proc/${pid}/${file}`, "latin1").catch(() => "");
      if (text) texts.push(`${pid}/${file}: ${text.replaceAll("\0", " ")}`);
    }
  }
  return texts;
};

/** Pids of the processes (on this host or in any container on it) whose command line mentions `text`. */
const processesMentioning = async (text: string): Promise<string[]> => {
  const pids: string[] = [];
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "latin1").catch(() => "");
    if (cmdline.replaceAll("\0", " ").includes(text)) pids.push(`${pid}: ${cmdline.replaceAll("\0", " ").slice(0, 200)}`);
  }
  return pids;
};

/**
 * The behaviour every `PushStrategy` shares, checked against the real test environment (dockerd,
 * skopeo, registries with TLS and auth): pushes of each archive format land with the digest the
 * registry reports; a multi-platform archive lands as its index, a platform option pushes one, a
 * docker-archive of several images pushes the one named or is refused; progress is well formed; wrong credentials, bad archives, untrusted TLS and an
 * unreachable registry fail with their typed errors and tag nothing; cancellation cleans up; the
 * password never appears in any process's argv or environment; nothing is left behind.
 */
export const pushStrategyContract = (options: PushStrategyContractOptions): void => {
  describe(`${options.name} (PushStrategy contract)`, () => {
    let environment: TestEnvironment;
    let underTest: StrategyUnderTest;
    let workDir: string;
    const archives = new Map<string, ImageArchiveMetadata>();

    const archive = async (format: FixtureFormat, seed: string, extra: { layers?: number; layerSize?: number } = {}) => {
      const key = `${format}/${seed}/${extra.layers ?? 2}/${extra.layerSize ?? 0}`;
      const known = archives.get(key);
      if (known) return known;
      const written = await writeImageArchive(join(workDir, `${key.replaceAll("/", "-")}.tar`), {
        format,
        seed: `${options.name}-${seed}`,
        layers: extra.layers ?? 2,
        layerSize: extra.layerSize ?? 64 * 1024,
      });
      archives.set(key, written);
      return written;
    };

    const request = (registry: TestRegistry, path: string, overrides: Partial<PushRequest> = {}): PushRequest => ({
      archive: { path },
      destination: ImageReference.parseOrThrow(
        `${registry.host}/contract/${options.name}-${randomBytes(4).toString("hex")}:v1`,
      ),
      ...pushSettingsFor(registry),
      retry: { ...defaultRetrySettings, times: 0 },
      ...overrides,
    });

    const push = (req: PushRequest, events: ProgressEvent[] = [], onEvent?: (event: ProgressEvent) => void) =>
      Effect.runPromiseExit(
        cancelOnAbort(
          underTest.strategy.push(req, (e) => {
            events.push(e);
            onEvent?.(e);
          }),
          req.signal,
        ),
      );

    const expectNoLeftovers = async () => {
      expect(await (underTest.leftovers?.() ?? Promise.resolve([]))).toEqual([]);
    };

    /** Nothing is tagged in the repository `req` pushed to (read with the registry's own account). */
    const expectNothingTagged = async (registry: TestRegistry, req: PushRequest) => {
      expect(await listTags(registry, req.destination.repository)).toEqual([]);
    };

    const expectFailure = async (exit: Exit.Exit<PushOutcome, PushError>, tag: PushErrorTag) => {
      const error = failure(exit);
      expect(error._tag, error.message).toBe(tag);
      expect(error.message.length).toBeGreaterThan(0);
      return error;
    };

    beforeAll(async () => {
      environment = await loadTestEnvironment();
      workDir = await mkdtemp(join(tmpdir(), `skopush-contract-${options.name}-`));
      underTest = await options.make(environment);
    });

    afterAll(async () => {
      await underTest?.cleanup?.();
      if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    it(`is named ${JSON.stringify(options.name)}, in kebab-case`, () => {
      expect(underTest.strategy.name).toBe(options.name);
      expect(underTest.strategy.name).toMatch(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/);
    });

    it("probes available in the test environment", async () => {
      const exit = await Effect.runPromiseExit(underTest.strategy.probe());
      expect(Exit.isSuccess(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toBe(true);
    });

    const landings: ReadonlyArray<[FixtureFormat, "plain" | "tls" | "basic"]> = [
      ["docker-legacy", "plain"],
      ["docker-oci", "tls"],
      ["oci-archive", "basic"],
    ];
    it.each(landings)("pushes a %s archive to the %s registry; the digest is what the registry stores", async (format, kind) => {
      const registry = environment.registry(kind);
      const image = await archive(format, "landing");
      const req = request(registry, image.path);
      const events: ProgressEvent[] = [];
      const outcome = succeeded(await push(req, events));
      expect(outcome.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const stored = await readManifest(registry, req.destination.repository, "v1");
      expect(stored.digest).toBe(outcome.digest);
      expect(stored.json.config?.digest).toBe(image.configDigest);
      expect(stored.json.layers).toHaveLength(image.layers.length);
      expect(outcome.bytesPushed).toBeGreaterThan(0);
      const percents = events.map((e) => e.percent);
      expect(percents.length).toBeGreaterThan(0);
      expect(percents.every((p) => p >= 0 && p <= 100)).toBe(true);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      await expectNoLeftovers();
    });

    multiImageCases({
      name: options.name,
      environment: () => environment,
      workDir: () => workDir,
      request,
      push: (req) => push(req),
      succeeded,
      failure,
      expectNoLeftovers,
    });

    it("fails with AuthenticationFailed on a wrong password, tagging nothing", async () => {
      const registry = environment.registry("basic");
      const image = await archive("docker-legacy", "landing");
      const req = request(registry, image.path, {
        credentials: makeCredentials(registry.credentials?.username ?? "robot$skopush+ci", "wrong:pa$$word"),
      });
      const error = await expectFailure(await push(req), "AuthenticationFailed");
      expect(error.message).not.toContain("wrong:pa$$word");
      await expectNothingTagged(registry, req);
      await expectNoLeftovers();
    });

    it("fails with AuthenticationFailed when a registry that needs credentials gets none, tagging nothing", async () => {
      const registry = environment.registry("basic");
      const image = await archive("docker-legacy", "landing");
      const req = request(registry, image.path, { credentials: undefined });
      await expectFailure(await push(req), "AuthenticationFailed");
      await expectNothingTagged(registry, req);
      await expectNoLeftovers();
    });

    it("fails with ArchiveInvalid when the archive does not exist", async () => {
      const registry = environment.registry("plain");
      const req = request(registry, join(workDir, "missing.tar"));
      const error = await expectFailure(await push(req), "ArchiveInvalid");
      expect(error.message).toContain("missing.tar");
      await expectNothingTagged(registry, req);
      await expectNoLeftovers();
    });

    it("fails with ArchiveInvalid on a file that is not an image archive, tagging nothing", async () => {
      const registry = environment.registry("plain");
      const hostile = await writeHostileArchive(join(workDir, "not-a-tar.tar"), "not-a-tar");
      const req = request(registry, hostile.path);
      await expectFailure(await push(req), "ArchiveInvalid");
      await expectNothingTagged(registry, req);
      await expectNoLeftovers();
    });

    it("fails with TlsVerificationFailed when the registry's CA is not trusted", async () => {
      const registry = environment.registry("tls");
      const image = await archive("docker-legacy", "landing");
      const req = request(registry, image.path, { tls: { verify: true } });
      const error = await expectFailure(await push(req), "TlsVerificationFailed");
      // Every strategy names the option a library caller sets (the CLI says --ca-cert instead).
      expect(error.message).toContain("the tls.caFile option");
      await expectNothingTagged(registry, req);
      await expectNoLeftovers();
    });

    it("fails with RegistryUnreachable when nothing listens at the registry's address", async () => {
      const image = await archive("docker-legacy", "landing");
      const port = await Effect.runPromise(freePort);
      const req = request(environment.registry("plain"), image.path, {
        destination: ImageReference.parseOrThrow(`127.0.0.1:${port}/contract/${options.name}:v1`),
      });
      await expectFailure(await push(req), "RegistryUnreachable");
      await expectNoLeftovers();
    });

    it("never shows the password in any process's argv or environment while it pushes", async () => {
      const registry = environment.registry("basic");
      const image = await archive("docker-oci", "secrets", { layers: 3, layerSize: 4 * 1024 * 1024 });
      const req = request(registry, image.path);
      const password = registry.credentials?.password ?? "";
      expect(password.length).toBeGreaterThan(0);
      const seen: string[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          for (const text of await processTexts()) if (text.includes(password)) seen.push(text.split(":")[0] ?? "");
        }
      })();
      // Scans made while bytes are moving, so the check never depends on how fast the push is: a
      // background scan alone can outlast a quick push on a loaded machine.
      let whileUploading = 0;
      const scanNow = () => {
        for (const { pid, cmdline, environ } of processTextsNow()) {
          if (cmdline.includes(password)) seen.push(`${pid}/cmdline`);
          if (environ.includes(password)) seen.push(`${pid}/environ`);
        }
      };
      const events: ProgressEvent[] = [];
      const exit = await push(req, events, (event) => {
        if (event.phase !== "uploading" || whileUploading >= 5) return;
        scanNow();
        whileUploading++;
      });
      sampling = false;
      await sampler;
      succeeded(exit);
      expect(whileUploading).toBeGreaterThan(0);
      expect(seen).toEqual([]);
      expect(events.filter((e) => e.message.includes(password))).toEqual([]);
      await expectNoLeftovers();
    });

    it("cancels on abort: resolves PushCancelled, tags nothing, leaves nothing behind", async () => {
      const registry = environment.registry("plain");
      const image = await archive("docker-legacy", "cancel", { layers: 3, layerSize: 24 * 1024 * 1024 });
      const controller = new AbortController();
      const req = request(registry, image.path, { signal: controller.signal });
      const events: ProgressEvent[] = [];
      const pending = push(req, events);
      // Abort once the push is under way; at the latest after a short while.
      const deadline = Date.now() + 5_000;
      while (!events.some((e) => e.phase === "uploading") && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      controller.abort(new Error("contract: cancelled by the test"));
      const exit = await pending;
      const error = await expectFailure(exit, "PushCancelled");
      expect(error.message).toContain("cancelled by the test");
      // Cancellation resolves only after the push's processes are gone, wherever they ran: none may
      // still be working on this destination (a process in a container shows in this host's /proc too).
      expect(await processesMentioning(req.destination.repository)).toEqual([]);
      await expectNothingTagged(registry, req);
      await expectNoLeftovers();
    });
  });
};
