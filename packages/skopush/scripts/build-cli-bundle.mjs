#!/usr/bin/env node
// Builds the `skopush` command as one file, dist/skopush.cjs, straight from the TypeScript sources (no
// tsc needed, so the root's `prepare` runs it right after `npm ci`, and the package's `prepack` when
// packed). What is bundled and why: docs/cli.md#the-bundle. Usage: node scripts/build-cli-bundle.mjs [--out <file>] [--analyze] [--no-minify]
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { commentSafe } from "./comment-safe.mjs";

/** The function whose body comment carries the payload (launcher.ts reads it). */
const PAYLOAD_HOLDER = "SKOPUSH_PAYLOAD_HOLDER";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");
const cliSources = join(packageDir, "..", "cli", "src");
const { values } = parseArgs({ options: { out: { type: "string" }, analyze: { type: "boolean", default: false }, "no-minify": { type: "boolean", default: false } } });
const outfile = values.out ?? join(packageDir, "dist", "skopush.cjs");
const version = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version;

/** Shared esbuild settings: Node 20, the packages' TypeScript sources (their `@skopush/source` export). */
const common = {
  bundle: true,
  platform: "node",
  target: "node20.19",
  format: "cjs",
  conditions: ["@skopush/source"],
  minify: !values["no-minify"],
  legalComments: "none",
  logLevel: "warning",
  // import.meta is empty in CommonJS: a module that needs it must be replaced below, never bundled broken.
  logOverride: { "empty-import-meta": "error" },
  write: false,
  // effect's ConfigProvider.fromEnv also reads Vite's import.meta.env, which Node never has.
  define: { SKOPUSH_BUNDLED_VERSION: JSON.stringify(version), "import.meta.env": "undefined" },
};

// The CLI reads its version from its package.json next to dist/; the bundle carries the version instead.
const bundledVersion = {
  name: "bundled-version",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]cli[\\/]src[\\/]version\.ts$/ }, () => ({
      loader: "ts",
      contents: `/** The bundle's version. */\nexport const cliVersion = (): string => ${JSON.stringify(version)};\n`,
    }));
  },
};

// dockerode loads its BuildKit session support (gRPC, protobuf: ~400 KB) whether or not it is used;
// skopush never builds images, so those modules are replaced by one that fails if anything reaches it.
const NOT_BUNDLED = /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/;
const notBundled = {
  name: "not-bundled",
  setup(builder) {
    builder.onResolve({ filter: NOT_BUNDLED }, (args) => ({ path: args.path, namespace: "not-bundled" }));
    builder.onLoad({ filter: /.*/, namespace: "not-bundled" }, (args) => ({
      loader: "js",
      contents: `module.exports = new Proxy({}, { get(_, key) { if (typeof key === "symbol" || key === "__esModule") return undefined; throw new Error(${JSON.stringify(
        `[skopush] ${args.path} is not part of the skopush bundle (dockerode's BuildKit support)`,
      )}); } });`,
    }));
  },
};

const payloadBuild = await build({
  ...common,
  entryPoints: [join(cliSources, "bundle-entry.ts")],
  plugins: [notBundled, bundledVersion],
  // Optional native add-ons of ssh2 (DOCKER_HOST=ssh://): required inside try/catch, pure JavaScript otherwise.
  // zstd's WebAssembly build (Node < 22.15 only) reads its .wasm beside its JavaScript: loaded from node_modules.
  external: ["cpu-features", "*.node", "@bokuweb/zstd-wasm"],
  metafile: true,
});
// The payload runs through vm.Script, which has no loader for import() (Node's only one for it is
// experimental and warns): the one module it imports at run time, a CommonJS package, is required instead.
const ZSTD_IMPORT = 'import("@bokuweb/zstd-wasm")';
const payloadText = payloadBuild.outputFiles[0].text;
if (payloadText.split(ZSTD_IMPORT).length !== 2) throw new Error(`the payload should import @bokuweb/zstd-wasm exactly once, as ${ZSTD_IMPORT}`);
if (/\bimport\(/.test(payloadText.replace(ZSTD_IMPORT, ""))) throw new Error("the payload has another import(), which vm.Script cannot load");
const payloadCode = commentSafe(payloadText.replace(ZSTD_IMPORT, 'Promise.resolve().then(() => require("@bokuweb/zstd-wasm"))'));
const payload = `(function (exports, require, module, __filename, __dirname) {${payloadCode}\n})`;
const payloadId = createHash("sha256").update(payload).digest("hex").slice(0, 16);

const launcherBuild = await build({
  ...common,
  entryPoints: [join(cliSources, "launcher", "launcher.ts")],
  define: { ...common.define, SKOPUSH_PAYLOAD_ID: JSON.stringify(payloadId) },
  banner: { js: "#!/usr/bin/env node" },
});

// The payload rides in a comment of a function the launcher reads back with Function.prototype.toString:
// the parser skips a comment, and the text V8 hands back is a slice of the file it already holds, so the
// payload is never copied (a string literal would be: about 1 MB more for every process).
const bundle = `${launcherBuild.outputFiles[0].text}function ${PAYLOAD_HOLDER}(){/*${payload}*/}\n`;

// Written beside and renamed over: a `skopush` starting meanwhile reads the old file or the new one, never half of one.
mkdirSync(dirname(outfile), { recursive: true });
const temporary = `${outfile}.${process.pid}.tmp`;
writeFileSync(temporary, bundle, { mode: 0o755 });
chmodSync(temporary, 0o755);
renameSync(temporary, outfile);

const size = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
console.log(`skopush ${version}: ${relative(process.cwd(), outfile)} (${size(bundle.length)}, payload ${payloadId})`);
if (values.analyze) {
  const byPackage = new Map();
  for (const [path, input] of Object.entries(Object.values(payloadBuild.metafile.outputs)[0].inputs)) {
    const name = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? path.split("/").slice(0, 2).join("/");
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
  }
  for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`  ${size(bytes).padStart(8)}  ${name}`);
}
