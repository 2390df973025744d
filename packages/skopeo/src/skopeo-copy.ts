import { join, resolve } from "node:path";
import { formatBytes, inspectArchive, openOptionsOf, type ArchiveSummary } from "@skopush/archive";
import {
  ArchiveInvalid,
  defaultPushTimeouts,
  ManifestRejected,
  describeRetryWait,
  publishDebug,
  transientFaultSchedule,
  type RetryWait,
  type ManifestFormat,
  type ProgressSink,
  type PushError,
  type PushOutcome,
  type PushRequest,
} from "@skopush/core";
import * as Effect from "effect/Effect";
import * as Redacted from "effect/Redacted";
import { preflightRegistry, readBackPush, type ExpectedImage } from "@skopush/registry-client";
import { authFilePaths, writeAuthFile } from "./auth-file.js";
import { prepareCertDir } from "./cert-dir.js";
import { classifySkopeoFailure, ipv6Unsupported, isConnectionCut } from "./classify-error.js";
import { copyArgs, parsePlatform, type SkopeoSourceTransport } from "./copy-args.js";
import { CopyProgress } from "./copy-progress.js";
import { createPrivateDigestFile, digestFilePaths, readDigestFile } from "./digest-file.js";
import type { SkopeoHost } from "./skopeo-host.js";
import { compressionSent, skopeoCompressionPlan } from "./skopeo-compression.js";
import { gunzipIntoWorkspace } from "./stage-archive.js";
import { stallWatch } from "./stall-watch.js";
import { verifyWorkspace, WORKSPACE_TMP } from "./workspace.js";

/**
 * The failures skopeoCopy retries itself, because skopeo gives up on them at once: registry answers that
 * may pass (429, 502, 503, 504), and connections cut mid-upload (a registry restarted under the push).
 */
const isRetriedHere = (error: PushError): boolean => (error._tag === "RegistryError" && error.isRetryable) || isConnectionCut(error);

const transportOf = (summary: ArchiveSummary): SkopeoSourceTransport =>
  summary.layout === "oci-directory" ? "oci" : summary.format;

const describeArchive = (summary: ArchiveSummary): string =>
  `${summary.layout}${summary.outerCompression === "gzip" ? " (gzip)" : ""}, ${summary.layerCount} layer${summary.layerCount === 1 ? "" : "s"}, ${formatBytes(summary.totalBytes)}`;

/** Whether skopeo re-encodes the config (a docker → OCI conversion), so that its digest is no longer the archive's. */
const convertsConfig = (summary: ArchiveSummary, manifestFormat: ManifestFormat | undefined): boolean =>
  manifestFormat === "oci" && summary.format === "docker-archive";

/** What skopeoCopy asks the registry from Node around skopeo, which has no time limits and is taken on trust otherwise. */
export interface RegistryChecks {
  /** Before anything is staged: is a registry answering there, in time? */
  readonly preflight: (request: PushRequest) => Effect.Effect<PreflightAnswer | void, PushError>;
  /** After skopeo succeeded: does the destination hold exactly this image? */
  readonly readBack: (request: PushRequest, expected: ExpectedImage) => Effect.Effect<unknown, PushError>;
}

/** What the pre-flight found: where the registry answered (`http:` only for loopback or `--insecure`, the registry client's rule). */
export interface PreflightAnswer {
  readonly origin?: URL | undefined;
}

/** The checks of every real push: `GET /v2/` with the push's TLS settings and timeouts, and the read-back. */
export const REGISTRY_CHECKS: RegistryChecks = { preflight: preflightRegistry, readBack: readBackPush };

/** `word`, quoted for a shell when it needs to be, so a logged command line can be pasted. */
const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`);

/**
 * The whole push through skopeo, shared by every skopeo strategy; `host` says where skopeo runs.
 *
 * 1. Inspects the archive (an invalid or missing one fails with `ArchiveInvalid` before skopeo runs) and
 *    detects its format when the request does not give it.
 * 2. Opens a private workspace and stages the archive where skopeo can read it under a safe name (a
 *    gzip docker-archive is decompressed there first: skopeo 1.9.3 cannot read one).
 * 3. Writes the CA to a cert dir and, before each attempt, the credentials to an authfile (mode 0600), both
 *    in the workspace; the host removes the authfile as soon as that skopeo ends. No secret is ever on
 *    skopeo's command line or in its environment. Without credentials the push is explicitly anonymous
 *    (`--dest-no-creds`).
 * 4. Runs `skopeo copy` with `TMPDIR` in the workspace, turning its output into progress; classifies a
 *    failure from its stderr; reads the manifest digest from `--digestfile`. skopeo retries network
 *    failures itself (`--retry-times`); what it gives up on at once, a retryable registry answer (429, 502,
 *    503, 504) or a connection cut mid-upload (broken pipe), is retried here with
 *    `transientFaultSchedule(request.retry)`; blobs that reached the registry are not sent again.
 * The workspace, and everything in it (authfile included), is removed when the push ends, however it
 * ends; interrupting the effect kills skopeo first.
 */
export const skopeoCopy = (
  host: SkopeoHost,
  request: PushRequest,
  progress: ProgressSink,
  checks: RegistryChecks = REGISTRY_CHECKS,
): Effect.Effect<PushOutcome, PushError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const archivePath = resolve(request.archive.path);
      const destination = request.destination;
      if (destination.registry.startsWith("[")) return yield* Effect.fail(ipv6Unsupported(host.strategy, destination.registry));
      const compression = skopeoCompressionPlan(host.strategy, request);
      if ("_tag" in compression) return yield* Effect.fail(compression);
      const summary = yield* inspectArchive(archivePath, openOptionsOf(request.archive, destination, { strategy: host.strategy }));
      const platform = request.archive.platform === undefined ? undefined : parsePlatform(request.archive.platform);
      if (request.archive.platform !== undefined && platform === undefined) {
        return yield* Effect.fail(new ArchiveInvalid({ path: request.archive.path, reason: `the platform ${JSON.stringify(request.archive.platform)} is not os/architecture[/variant]`, fix: "name it like linux/arm64 or linux/arm/v7" }));
      }
      const tracker = new CopyProgress(summary, progress);
      tracker.preparing(1, `Read ${request.archive.path}: ${describeArchive(summary)}`);
      // skopeo has no time limits: a silent server, or one that is no registry, is found from Node first.
      const preflight = yield* checks.preflight(request);
      // One rule for every strategy (the registry client's candidateSchemes): a loopback registry that
      // answered in plain HTTP is pushed to over HTTP, as Docker and crane do; skopeo needs
      // --dest-tls-verify=false to speak HTTP at all. Anywhere else plain HTTP needs tls.verify: false.
      const plainHttp = preflight?.origin?.protocol === "http:";

      const workspace = yield* host.workspace;
      let localArchive = archivePath;
      if (summary.format === "docker-archive" && summary.outerCompression === "gzip") {
        localArchive = yield* gunzipIntoWorkspace(host.strategy, workspace, archivePath, (done, total) =>
          tracker.preparing(1 + Math.floor(done / Math.max(1, total)), `Decompressing the archive for skopeo: ${formatBytes(done)} of ${formatBytes(total)}`),
        );
      }
      const stagedPath = yield* host.stageArchive(workspace, localArchive, (done, total) =>
        tracker.preparing(2 + Math.floor((2 * done) / Math.max(1, total)), `Staging the archive: ${formatBytes(done)} of ${formatBytes(total)}`),
      );

      const credentials = request.credentials;
      const authFile = credentials ? authFilePaths(workspace) : undefined;
      const certDir = yield* prepareCertDir(workspace, destination.registry, request.tls);
      const digestFile = digestFilePaths(workspace);
      if (workspace.skopeoPath === workspace.hostPath) yield* createPrivateDigestFile(host.strategy, digestFile.hostPath);
      const args = copyArgs({
        source: { transport: transportOf(summary), path: stagedPath, reference: summary.chosenName },
        destination,
        authFile: authFile?.skopeoPath,
        certDir,
        tlsVerify: request.tls.verify && !plainHttp,
        retryTimes: request.retry.times,
        digestFile: digestFile.skopeoPath,
        manifestFormat: compression.manifestFormat,
        compressFormat: compression.compressFormat,
        // skopeo's own option for every image of an index; a chosen platform is one image (--override-*).
        all: summary.index !== undefined,
        platform,
      });

      tracker.preparing(4, `Running skopeo copy to ${destination}`);
      // The argv holds no secret: credentials travel in the authfile, named here only by its path.
      publishDebug("command", () => `${host.strategy}: skopeo ${args.map(shellWord).join(" ")}`);
      // Every attempt writes the authfile afresh (the host removes it as soon as skopeo ends), and checks that
      // the workspace's path still names what was filled: skopeo reads the workspace by its path.
      const stallMs = request.timeouts?.stallMs ?? defaultPushTimeouts.stallMs;
      const attempt = Effect.scoped(
        Effect.gen(function* () {
          if (credentials) yield* writeAuthFile(host.strategy, workspace, destination.registry, credentials);
          yield* verifyWorkspace(host.strategy, workspace);
          const watch = stallWatch(stallMs, { registry: destination.registry, destination: destination.toString() });
          // A stall interrupts the run, which stops skopeo (inside the container too) before the error is seen.
          return yield* host
            .run(args, {
              onLine: (line, stream) => {
                watch.line();
                if (stream === "stdout") tracker.line(line);
              },
              onBytesRead: (bytes) => {
                watch.bytes(bytes);
                tracker.bytesReadSoFar(bytes);
              },
              env: { TMPDIR: join(workspace.skopeoPath, WORKSPACE_TMP) },
              authFile: authFile?.skopeoPath,
            })
            .pipe(Effect.raceFirst(watch.expired));
        }),
      );
      const copy = attempt
        .pipe(
          Effect.flatMap((result): Effect.Effect<void, PushError> =>
            result.exitCode === 0
              ? Effect.void
              : Effect.fail(
                  classifySkopeoFailure({
                    strategy: host.strategy,
                    exitCode: result.exitCode,
                    stderr: result.stderr,
                    destination,
                    archivePath: request.archive.path,
                    stagedPath,
                    username: credentials?.username,
                    secrets: credentials ? [Redacted.value(credentials.password)] : [],
                  }),
                ),
          ),
        );
      // skopeo retries network failures itself (`--retry-times`); what it gives up on at once, a registry's
      // 429/502/503/504 or a connection cut mid-upload, is retried here with the request's schedule, keeping the workspace.
      const sayWaiting = (wait: RetryWait) => {
        if (wait.error !== undefined && isRetriedHere(wait.error as PushError)) tracker.note(describeRetryWait(wait));
      };
      yield* Effect.retry(copy, { schedule: transientFaultSchedule(request.retry, sayWaiting), while: isRetriedHere });
      const digest = yield* readDigestFile(host.strategy, digestFile.hostPath);
      if (destination.digest !== undefined && destination.digest !== digest) {
        return yield* Effect.fail(
          new ManifestRejected({
            registry: destination.registry,
            reference: destination.toString(),
            reason: `the pushed manifest has digest ${digest}, not the ${destination.digest} the reference names`,
          }),
        );
      }
      // skopeo's success is not taken on trust: the tag must hold this digest, and the manifest the archive's config.
      const stored = yield* checks.readBack(
        request,
        summary.index === undefined
          ? { digest, configDigest: convertsConfig(summary, compression.manifestFormat) ? undefined : summary.configDigest, ociConversionAllowed: summary.format === "docker-archive" }
          : { digest, configDigest: undefined, manifests: compression.manifestFormat === undefined ? summary.index.images.map((image) => image.manifestDigest) : undefined },
      );
      tracker.finished(`Pushed ${destination.name}${destination.tag ? `:${destination.tag}` : ""}@${digest}`);
      return { digest, bytesPushed: tracker.bytesPushed, verified: true, compression: compressionSent(compression.compression, stored) };
    }),
  );
