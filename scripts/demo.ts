// `npm run demo`: a push to a throwaway local registry, start to finish, then everything removed again.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readManifest, startTestEnvironment, stopTestEnvironment, type StartedTestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";

const bold = process.stdout.isTTY && !process.env.NO_COLOR ? (text: string) => `\u001b[1m${text}\u001b[22m` : (text: string) => text;
const say = (line: string) => console.log(`\n${bold(`▸ ${line}`)}`);

/** Runs `npx skopush …` with the password on stdin; shows its output as it comes and answers its stdout. */
const skopush = (args: ReadonlyArray<string>, password: string): Promise<{ code: number | null; stdout: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn("npx", ["--no-install", "skopush", ...args], { stdio: ["pipe", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
    child.stdin.end(`${password}\n`);
  });

const main = async (): Promise<number> => {
  const stateDir = mkdtempSync(join(tmpdir(), "skopush-demo-"));
  let started: StartedTestEnvironment | undefined;
  try {
    say("Bringing up a throwaway registry (TLS with a private CA, a robot account) on 127.0.0.1");
    started = await startTestEnvironment({
      stateDir,
      registries: ["basic"],
      skopeoImage: false,
      log: (line) => console.log(`  ${line}`),
    });
    const registry = started.environment.registry("basic");
    const { username, password } = registry.credentials!;

    say("Writing an image tarball, as docker save would (3 layers of 8 MiB)");
    const archive = await writeImageArchive(join(stateDir, "app.tar"), { format: "docker-legacy", layers: 3, layerSize: 8 * 1024 * 1024 });
    console.log(`  ${archive.path} (${(archive.archiveSize / 1024 / 1024).toFixed(1)} MiB)`);

    const destination = `${registry.host}/demo/app:v1`;
    const args = ["push", archive.path, destination, "--ca-cert", registry.caFile!, "--username", username, "--password-stdin"];
    say(`npx skopush ${args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg}'`)).join(" ")}   (password on stdin)`);
    const run = await skopush(args, password);
    if (run.code !== 0) {
      console.error(`\nskopush exited with ${run.code}`);
      return 1;
    }
    const printed = /(sha256:[0-9a-f]{64})/.exec(run.stdout)?.[1];

    say(`Reading the manifest of demo/app:v1 back from the registry`);
    const manifest = await readManifest({ url: registry.url, caFile: registry.caFile, credentials: registry.credentials }, "demo/app", "v1");
    console.log(`  skopush printed   ${printed}`);
    console.log(`  registry serves   ${manifest.digest}`);
    if (printed !== manifest.digest) {
      console.error("  ✖ the digests differ");
      return 1;
    }
    console.log("  ✔ the digests match");
    return 0;
  } finally {
    say("Stopping the registry and removing its files");
    if (started) await stopTestEnvironment({ stateDir, only: started.started }).catch((error: unknown) => console.error(`  ${String(error)}`));
    rmSync(stateDir, { recursive: true, force: true });
    console.log(`  removed ${stateDir}`);
  }
};

process.exitCode = await main().catch((error: unknown) => {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
