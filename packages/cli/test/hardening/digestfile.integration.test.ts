import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, CLI_BIN } from "../spawn-cli.js";

// --digestfile into a directory the user cannot write to is bad input: the push must not start (exit 2,
// no tag), rather than land the image and then fail (red team of issue 16). Run as the second local user:
// root writes anywhere.

let environment: TestEnvironment;
let work: string;
let archive: string;

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = mkdtempSync(join(tmpdir(), "skopush-cli-digestfile-"));
  chmodSync(work, 0o755);
  archive = (await writeImageArchive(join(work, "small.tar"), { format: "docker-legacy", layers: 1, layerSize: 64 * 1024, seed: `digestfile-${randomBytes(4).toString("hex")}` })).path;
  chmodSync(archive, 0o644);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("--digestfile", () => {
  for (const strategy of ["registry", "native"]) {
    it(`in a directory this user cannot write to is refused before anything is pushed (${strategy})`, async () => {
      const user = environment.otherUser;
      const home = join(work, `home-${strategy}`);
      mkdirSync(home);
      chownSync(home, user.uid, user.gid);
      const locked = join(work, `locked-${strategy}`);
      mkdirSync(locked, { mode: 0o555 });
      chmodSync(locked, 0o555);
      const plain = environment.registry("plain");
      const repository = `cli/digestfile-${strategy}-${randomBytes(4).toString("hex")}`;
      const result = await promisify(execFile)(process.execPath, [CLI_BIN, "push", archive, `${plain.host}/${repository}:1`, "--strategy", strategy, "--insecure", "--digestfile", join(locked, "digest")], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TMPDIR: home, CI: "1", NO_COLOR: "1" },
        cwd: home,
        uid: user.uid,
        gid: user.gid,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
      expect(result.stderr).toContain(`--digestfile "${join(locked, "digest")}"`);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      const tags = await fetch(`${plain.url}/v2/${repository}/tags/list`);
      expect(tags.status).toBe(404);
    });
  }
});
