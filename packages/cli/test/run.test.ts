import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { PushFailure, PushSuccess } from "@skopush/core";
import { cliVersion, EXIT, exitCodeOf, installInterruptHub, run } from "@skopush/cli";
import { testIo } from "./support.js";

const failure = (error: PushFailure["error"]): PushFailure => ({
  status: "error",
  message: "m",
  error,
  retryable: false,
  attempts: [],
  durationMs: 0,
});

describe("exit codes", () => {
  it("maps results to the documented codes", () => {
    const success: PushSuccess = { status: "success", image: "i", digest: "d", method: "native", bytesPushed: 0, verified: true, compression: "gzip", attempts: [], durationMs: 0 };
    expect(exitCodeOf(success)).toBe(0);
    expect(exitCodeOf(failure("AuthenticationFailed"))).toBe(1);
    expect(exitCodeOf(failure("NoStrategyAvailable"))).toBe(1);
    expect(exitCodeOf(failure("RegistryUnreachable"))).toBe(1);
    expect(exitCodeOf(failure("InvalidReference"))).toBe(2);
    expect(exitCodeOf(failure("ArchiveInvalid"))).toBe(2);
    expect(exitCodeOf(failure("PushCancelled"), "SIGINT")).toBe(130);
    expect(exitCodeOf(failure("PushCancelled"), "SIGTERM")).toBe(143);
    expect(exitCodeOf(failure("PushCancelled"))).toBe(130);
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, sigint: 130, sigterm: 143 });
  });
});

describe("skopush (top level)", () => {
  it("prints usage and exits 2 without a command", async () => {
    const { io, stderr } = testIo();
    expect(await run([], io)).toBe(2);
    expect(stderr.text).toContain("Usage: skopush <command>");
  });

  it("prints help and the version", async () => {
    const help = testIo();
    expect(await run(["--help"], help.io)).toBe(0);
    expect(help.stdout.text).toContain("Exit codes: 0 pushed, 1 push failed, 2 usage or input error, 130 SIGINT, 143 SIGTERM");
    // An installed command has no docs/ beside it: every reference is a URL.
    for (const args of [["--help"], ["push", "--help"], ["push-many", "--help"]]) {
      const io = testIo();
      await run(args, io.io);
      expect(io.stdout.text.match(/(?<!\/)docs\/[\w-]+\.md/g) ?? [], args.join(" ")).toEqual([]);
      expect(io.stdout.text, args.join(" ")).toMatch(/https:\/\/github\.com\/skopush\/skopush\/blob\/main\/docs\/[\w-]+\.md/);
    }
    const version = testIo();
    expect(await run(["--version"], version.io)).toBe(0);
    expect(version.stdout.text).toBe(`skopush ${cliVersion()}\n`);
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([["push"], ["doctor"], ["service"]])("prints help for %s", async (command) => {
    const viaFlag = testIo();
    const viaHelp = testIo();
    expect(await run([command, "--help"], viaFlag.io)).toBe(0);
    expect(await run(["help", command], viaHelp.io)).toBe(0);
    expect(viaFlag.stdout.text).toContain(`Usage: skopush ${command}`);
    expect(viaHelp.stdout.text).toBe(viaFlag.stdout.text);
  });

  it("answers skopush version like --version", async () => {
    const { io, stdout } = testIo();
    expect(await run(["version"], io)).toBe(0);
    expect(stdout.text).toBe(`skopush ${cliVersion()}\n`);
  });

  it.each([
    [["copy", "docker-archive:a.tar", "docker://r/p:1"], "skopush has no copy: it pushes an archive with skopush push <archive> <destination>"],
    [["--insecure", "push"], "--insecure is not a flag of skopush itself; flags come after the command"],
    [["completion"], "missing <shell>: bash, zsh or fish"],
    [["completion", "powershell"], 'no completion for "powershell"; the shells are bash, zsh and fish'],
    [["version", "--json"], "skopush version takes no argument"],
  ])("answers %j with what to type instead (exit 2)", async (argv, expected) => {
    const { io, stderr } = testIo();
    expect(await run(argv, io)).toBe(2);
    expect(stderr.text).toContain(expected);
  });

  it.each([["bash"], ["zsh"], ["fish"]])("prints a %s completion script naming every command, push flag and strategy", async (shell) => {
    const { io, stdout } = testIo();
    expect(await run(["completion", shell], io)).toBe(0);
    for (const word of ["push", "doctor", "service", "completion", "strategy", "ca-cert", "authfile", "docker-exec", "registry", "v2s2", "logs"]) {
      expect(stdout.text).toContain(word);
    }
  });

  it("refuses an unknown command with exit 2", async () => {
    const { io, stderr } = testIo();
    expect(await run(["pusj"], io)).toBe(2);
    expect(stderr.text).toContain('unknown command "pusj"');
  });

  it("respects NO_COLOR on a terminal", async () => {
    const colored = testIo({ tty: true });
    const plain = testIo({ tty: true, env: { NO_COLOR: "1" } });
    await run(["pusj"], colored.io);
    await run(["pusj"], plain.io);
    expect(colored.stderr.text).toContain("\u001b[");
    expect(plain.stderr.text).not.toContain("\u001b[");
  });
});

describe("installInterruptHub", () => {
  const fakeProcess = () => {
    const emitter = new EventEmitter();
    const exits: number[] = [];
    return { target: { on: emitter.on.bind(emitter), exit: (code?: number) => void exits.push(code ?? 0) } as never, emitter, exits };
  };

  it("exits at once with 130/143 while nothing listens (start-up)", () => {
    const { target, emitter, exits } = fakeProcess();
    installInterruptHub(target);
    emitter.emit("SIGINT");
    emitter.emit("SIGTERM");
    expect(exits).toEqual([130, 143]);
  });

  it("hands signals to listeners, and exits again once they stopped listening", () => {
    const { target, emitter, exits } = fakeProcess();
    const hub = installInterruptHub(target);
    const seen: string[] = [];
    const stop = hub.onInterrupt((signal) => seen.push(signal));
    emitter.emit("SIGINT");
    expect([seen, exits]).toEqual([["SIGINT"], []]);
    stop();
    emitter.emit("SIGINT");
    expect(exits).toEqual([130]);
  });
});
