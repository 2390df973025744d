import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createUserArgs, findLocalUser } from "../src/environment/other-user.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const passwd = (text: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "skopush-passwd-"));
  dirs.push(dir);
  writeFileSync(join(dir, "passwd"), text);
  return join(dir, "passwd");
};

describe("the second local user", () => {
  it("is read from a passwd file by name, with its uid and gid", () => {
    const file = passwd("root:x:0:0:root:/root:/bin/bash\nskopush-other:x:999:995::/nonexistent:/usr/sbin/nologin\n");
    expect(findLocalUser("skopush-other", file)).toEqual({ name: "skopush-other", uid: 999, gid: 995 });
    expect(findLocalUser("skopush", file)).toBeUndefined();
    expect(findLocalUser("skopush-other", join(tmpdir(), "no-such-passwd"))).toBeUndefined();
  });

  it("is created as a system account with its own group, no home and no login", () => {
    expect(createUserArgs("skopush-other")).toEqual(["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "skopush-other"]);
  });
});
