import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PUSH_ERROR_TABLE } from "@skopush/core";

// What every package must have, so that adding a strategy or provider stays "its own package, one
// registration line, one tsconfig reference, one docs page" (docs/architecture.md).

const root = join(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const json = (path: string) => JSON.parse(read(path)) as Record<string, any>;
const dirs = (parent: string) =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, parent, d.name, "package.json")))
    .map((d) => `${parent}/${d.name}`);

const packages = dirs("packages");
const workspaces = [...packages, ...dirs("examples")];
const rootReferences = (json("tsconfig.json").references as Array<{ path: string }>).map((r) => r.path);
const sourcesOf = (pkg: string): string[] => {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(`${dir}/${d.name}`) : d.name.endsWith(".ts") ? [`${dir}/${d.name}`] : [],
    );
  return walk(`${pkg}/src`);
};

describe.each(packages)("package %s", (pkg) => {
  const manifest = json(`${pkg}/package.json`);

  it("is an ES module package for Node 20.19+ with a README and a public index", () => {
    expect(manifest.type).toBe("module");
    expect(manifest.engines?.node).toBe(">=20.19.0");
    expect(existsSync(join(root, pkg, "README.md"))).toBe(true);
    expect(existsSync(join(root, pkg, "src", "index.ts"))).toBe(true);
  });

  it("exports its TypeScript sources under the @skopush/source condition first", () => {
    for (const [entry, target] of Object.entries(manifest.exports as Record<string, Record<string, string>>)) {
      expect(Object.keys(target)[0], entry).toBe("@skopush/source");
      expect(target["@skopush/source"], entry).toMatch(/^\.\/src\/.*\.ts$/);
      expect(existsSync(join(root, pkg, target["@skopush/source"] ?? "")), entry).toBe(true);
    }
  });

  it("is built by the root tsconfig's project references", () => {
    expect(rootReferences).toContain(pkg);
  });

  it("pins every dependency to an exact version", () => {
    for (const field of ["dependencies", "devDependencies"]) {
      for (const [name, version] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
        expect(version, `${field} ${name}`).toMatch(/^\d+\.\d+\.\d+$/);
      }
    }
  });

  it("takes tsyringe, reflect-metadata and effect as peers where its sources use them, and loads reflect-metadata first", () => {
    // One copy of each in an app (docs/packaging.md): peers, never private dependencies.
    const sources = sourcesOf(pkg).map(read).join("\n");
    const peers = { ...manifest.peerDependencies };
    for (const name of ["tsyringe", "reflect-metadata", "effect"]) expect(manifest.dependencies?.[name], name).toBeUndefined();
    if (/from "tsyringe"/.test(sources)) {
      expect(peers.tsyringe).toBe("^4.9.1");
      expect(peers["reflect-metadata"]).toBe("^0.2.0");
      expect(read(`${pkg}/src/index.ts`).split("\n")[0]).toBe('import "reflect-metadata";');
    }
    if (/import "reflect-metadata"/.test(sources)) expect(peers["reflect-metadata"]).toBe("^0.2.0");
    if (/from "effect(\/[^"]*)?"/.test(sources)) expect(peers.effect).toBe("~4.1.0");
  });
});

describe.each(packages.filter((p) => p.startsWith("packages/strategy-")))("strategy package %s", (pkg) => {
  const name = pkg.replace("packages/strategy-", "");

  it("runs the PushStrategy contract against the real environment", () => {
    const contract = join(root, pkg, "test", "contract.integration.test.ts");
    expect(existsSync(contract)).toBe(true);
    expect(readFileSync(contract, "utf8")).toContain("pushStrategyContract(");
  });

  it("has its page in docs/strategies/", () => {
    expect(existsSync(join(root, "docs", "strategies", `${name}.md`))).toBe(true);
  });

  it("offers a one-call registration function", () => {
    expect(read(`${pkg}/src/index.ts`)).toMatch(/export \{[^}]*\bregister\w+Strategy\b/s);
  });

  // "Writing a strategy" in docs/architecture.md: the shape every strategy package shares.
  it("defines its strategy in src/register.ts: a StrategyDefinition named after the package, and the register function", () => {
    const register = read(`${pkg}/src/register.ts`);
    expect(register).toMatch(new RegExp(`export const \\w+Strategy = defineStrategy<\\w+Options, "${name}">\\(\\{ name: "${name}",`));
    expect(register).toMatch(/export const register\w+Strategy = \(container: DependencyContainer, options\?: \w+Options\): DependencyContainer =>\s*registerStrategy\(/);
    expect(read(`${pkg}/src/index.ts`)).toMatch(/export \{ \w+Strategy, register\w+Strategy \} from "\.\/register\.js";/);
  });

  it("has one options file: the options extend StrategyOptions, and one resolve*Options applies every default", () => {
    const files = readdirSync(join(root, pkg, "src")).filter((f) => /-options\.ts$/.test(f) && read(`${pkg}/src/${f}`).includes("extends") && read(`${pkg}/src/${f}`).includes("StrategyOptions"));
    expect(files).toHaveLength(1);
    const options = read(`${pkg}/src/${files[0]}`);
    expect(options).toMatch(/export interface \w+Options extends (?:[\w, ]*\b)?StrategyOptions\b/);
    expect(options).toMatch(/export const resolve\w+Options = \(/);
    // `env` is the environment the strategy reads (default process.env), never variables added to a child's.
    expect(sourcesOf(pkg).map(read).join("\n")).toMatch(/readonly env\?: Readonly<Record<string, string \| undefined>> \| undefined;/);
  });

  it("keeps the common option names: stopGraceMs, probeCacheTtl (a ProbeCacheTtl), and core's ProbeCache, no cache or runtime of its own", () => {
    const sources = sourcesOf(pkg).map(read).join("\n");
    const lines = sources.split("\n");
    const formerNames = lines.flatMap((line, i) => (/readonly (?:killGraceMs|probeCacheTtlMs|probeCacheTtlSeconds)\?:/.test(line) && !lines[i - 1]?.includes("@deprecated") ? [line] : []));
    expect(formerNames).toEqual([]);
    expect(sources).not.toMatch(/Effect\.run(?:Promise|PromiseExit|Sync|Fork|Callback)\(/);
    if (sources.includes("ProbeCache")) {
      expect(sources).toMatch(/import \{[^}]*\bProbeCache\b[^}]*\} from "@skopush\/core"/);
      expect(sources).toMatch(/readonly probeCacheTtl\?: ProbeCacheTtl \| undefined;/);
    }
  });
});

// Loading the barrel `effect` index costs a process ~300 ms and ~20 MiB (docs/performance.md), and in the
// bundled command it initialises every module of effect that is bundled: the packages a push or the CLI
// loads import Effect module by module (all but the testkit).
const pushPathPackages = packages.filter((p) => p !== "packages/testkit");

describe.each(pushPathPackages)("push-path package %s", (pkg) => {
  it("imports effect by module, never through the barrel index", () => {
    const barrel = sourcesOf(pkg).filter((file) => /from "effect"/.test(read(file)));
    expect(barrel).toEqual([]);
  });
});

describe.each(packages.filter((p) => p.startsWith("packages/credentials-")))("credentials package %s", (pkg) => {
  it("runs the CredentialsProvider contract", () => {
    const tests = readdirSync(join(root, pkg, "test")).map((f) => readFileSync(join(root, pkg, "test", f), "utf8"));
    expect(tests.some((t) => t.includes("credentialsProviderContract("))).toBe(true);
  });
});

describe("workspaces", () => {
  it.each(workspaces)("%s is a workspace the root's npm workspaces cover", (ws) => {
    const globs = json("package.json").workspaces as string[];
    expect(globs.some((g) => ws.startsWith(g.replace("/*", "/")))).toBe(true);
  });
});

describe("docs/troubleshooting.md", () => {
  // The table of error tags there is written for people; the code's error table decides. They must agree.
  const rows = new Map(
    read("docs/troubleshooting.md")
      .split("\n")
      .map((line) => /^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] ?? "", { exit: (m[2] ?? "").trim(), chain: (m[3] ?? "").trim() }]),
  );

  it.each(Object.keys(PUSH_ERROR_TABLE) as Array<keyof typeof PUSH_ERROR_TABLE>)("lists %s with the table's exit code and fall-through", (tag) => {
    const spec = PUSH_ERROR_TABLE[tag];
    const row = rows.get(tag);
    expect(row, tag).toBeDefined();
    expect(row?.exit.split("/")[0]).toBe(String(spec.exitCode));
    if (spec.fallThrough === "next") expect(row?.chain).toBe("next strategy");
    else expect(row?.chain).not.toBe("next strategy");
  });
});

// Patterns that let a test pass with its feature broken (issue 19). Each was found in this suite once.
const testFiles = (() => {
  const walk = (dir: string): string[] =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) =>
          d.isDirectory() ? (d.name === "node_modules" || d.name === "fixtures" ? [] : walk(`${dir}/${d.name}`)) : d.name.endsWith(".ts") ? [`${dir}/${d.name}`] : [],
        )
      : [];
  return [...workspaces.flatMap((ws) => walk(`${ws}/test`)), ...walk("test").filter((file) => file !== "test/conventions.test.ts")];
})();

/** The bodies of every `try { … }` in `source` (braces counted, good enough for test code). */
const tryBlocks = (source: string): string[] => {
  const blocks: string[] = [];
  for (const match of source.matchAll(/\btry\s*\{/g)) {
    let depth = 0;
    for (let i = match.index + match[0].length - 1; i < source.length; i++) {
      if (source[i] === "{") depth++;
      else if (source[i] === "}" && --depth === 0) {
        blocks.push(source.slice(match.index, i + 1));
        break;
      }
    }
  }
  return blocks;
};

describe("test files", () => {
  it("are found", () => {
    expect(testFiles.length).toBeGreaterThan(50);
  });

  it("never assert 'unreachable' inside a try whose catch would take the assertion error for the expected one", () => {
    const offenders = testFiles.filter((file) => tryBlocks(read(file)).some((block) => /\b(?:expect\.unreachable|expect\.fail|assert\.fail)\s*\(/.test(block)));
    expect(offenders, "use expect(() => …).toThrow(…) or a helper that returns the error").toEqual([]);
  });

  it("never bound elapsed wall-clock time tightly: files run in parallel on a loaded machine (a test clock, the cause itself, or a bound of seconds)", () => {
    // expect(elapsed).toBeLessThan(200), expect(Date.now() - started).toBeLessThan(…): an upper bound under 5 s.
    const bound = /expect\(\s*([^()]*(?:\(\))?[^()]*)\)\.toBeLessThan(?:OrEqual)?\(\s*([\d_]+)\s*\)/g;
    const timing = /(?:\b|_)(?:ms|elapsed|duration|took|seconds)\b|Ms\b|Elapsed\b|Duration\b|performance\.now|Date\.now|hrtime/;
    const offenders = testFiles.flatMap((file) =>
      [...read(file).matchAll(bound)].filter((m) => timing.test(m[1] ?? "") && Number((m[2] ?? "").replaceAll("_", "")) < 5_000).map((m) => `${file}: ${m[0]}`),
    );
    expect(offenders).toEqual([]);
  });

  it("check that an error says what to do with expectSaysWhatToDo, which an empty fix does not satisfy", () => {
    const loose = /\.fix\)\.(?:toBeDefined|toBeTruthy|not\.toBeUndefined)\(\)/;
    expect(testFiles.filter((file) => loose.test(read(file)))).toEqual([]);
  });

  it("say which error they expect: no bare toThrow(), which a network error or a 5xx satisfies too", () => {
    const bare = /(?<!\.not)\.toThrow\(\)/;
    expect(testFiles.filter((file) => bare.test(read(file)))).toEqual([]);
  });
});
