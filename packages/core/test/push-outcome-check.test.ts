import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { FallbackChain, fromPromiseStrategy, type PushOutcome } from "@skopush/core";
import { FAKE_DIGEST, FakePushStrategy } from "@skopush/testkit";
import { request } from "./support.js";

/** A promise-style strategy that reports `outcome` without pushing anything. */
const reporting = (name: string, outcome: unknown) =>
  fromPromiseStrategy({ name, push: async () => outcome as PushOutcome });

const failureOf = async (chain: FallbackChain) => {
  const exit = await Effect.runPromiseExit(chain.push(request()));
  if (Exit.isSuccess(exit)) throw new Error(`expected failure, got success with ${JSON.stringify(exit.value.outcome)}`);
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail");
  if (!reason || reason._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`);
  return reason.error;
};

describe("the chain checks every strategy's outcome", () => {
  const invalid: ReadonlyArray<[string, unknown, string]> = [
    ["a digest that is no digest", { digest: "not-a-digest", bytesPushed: 1 }, 'the digest "not-a-digest"'],
    ["a sha256 digest of the wrong length", { digest: "sha256:abc", bytesPushed: 1 }, "not 64 lowercase hex digits"],
    ["an upper-case sha256 digest", { digest: `sha256:${"A".repeat(64)}`, bytesPushed: 1 }, "not 64 lowercase hex digits"],
    ["no digest", { bytesPushed: 1 }, "the digest undefined"],
    ["a negative bytesPushed", { digest: FAKE_DIGEST, bytesPushed: -1 }, "-1 bytes pushed"],
    ["a fractional bytesPushed", { digest: FAKE_DIGEST, bytesPushed: 1.5 }, "1.5 bytes pushed"],
    ["NaN bytesPushed", { digest: FAKE_DIGEST, bytesPushed: Number.NaN }, "NaN bytes pushed"],
    ["a verified that is not a boolean", { digest: FAKE_DIGEST, bytesPushed: 1, verified: "yes" }, "verified as"],
    ["nothing at all", undefined, "undefined instead of a push outcome"],
  ];

  for (const [what, outcome, said] of invalid) {
    it(`fails with StrategyFailed naming the fault for ${what}`, async () => {
      const error = await failureOf(new FallbackChain([reporting("liar", outcome)]));
      expect(error.reason._tag).toBe("NoStrategyAvailable");
      expect(error.attempts).toEqual([expect.objectContaining({ strategy: "liar", outcome: "failed", error: "StrategyFailed" })]);
      expect(error.attempts[0]!.reason).toContain("an invalid outcome");
      expect(error.attempts[0]!.reason).toContain(said);
    });
  }

  it("falls through to the next strategy after an invalid outcome, which then pushes", async () => {
    const honest = FakePushStrategy.succeeding("honest");
    const exit = await Effect.runPromiseExit(new FallbackChain([reporting("liar", { digest: "not-a-digest", bytesPushed: 1 }), honest]).push(request()));
    expect(Exit.isSuccess(exit) && [exit.value.strategy, exit.value.outcome.digest]).toEqual(["honest", FAKE_DIGEST]);
    expect(Exit.isSuccess(exit) && exit.value.attempts.map((a) => [a.strategy, a.outcome, a.error])).toEqual([
      ["liar", "failed", "StrategyFailed"],
      ["honest", "success", undefined],
    ]);
  });

  it("accepts valid outcomes: sha256, sha512, another algorithm, zero bytes, verified or not", async () => {
    for (const outcome of [
      { digest: FAKE_DIGEST, bytesPushed: 0 },
      { digest: `sha512:${"0".repeat(128)}`, bytesPushed: 10, verified: true },
      { digest: "blake3:abcDEF012=", bytesPushed: 10, verified: false },
    ]) {
      const exit = await Effect.runPromiseExit(new FallbackChain([reporting("honest", outcome)]).push(request()));
      expect(Exit.isSuccess(exit) && exit.value.outcome).toEqual(outcome);
    }
  });
});
