import "reflect-metadata";
import type { FallthroughContext } from "./fallthrough-context.js";
import { BASELINE, SCENARIOS } from "./scenarios.js";
import { timedChainPush, type TimedPush } from "./timed-chain-push.js";

/** What `in-process` prints: every push per scenario (and the baseline), in round order. */
export type InProcessReport = Readonly<Record<string, ReadonlyArray<TimedPush>>>;

/** What `fresh` prints: one push in a new process, and when it began (ms since the process started: Node's start and every module loaded). */
export interface FreshReport extends TimedPush {
  readonly startMs: number;
}

const unavailableFor = (name: string, context: FallthroughContext) => {
  if (name === BASELINE) return [];
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) throw new Error(`no scenario ${JSON.stringify(name)}`);
  return scenario.unavailable(context);
};

// argv: in-process <context JSON> <rounds>  |  fresh <context JSON> <scenario name>
const [mode, contextJson, arg] = process.argv.slice(2);
if ((mode !== "in-process" && mode !== "fresh") || contextJson === undefined || arg === undefined) {
  console.error("usage: fallthrough-child.js in-process <context JSON> <rounds> | fresh <context JSON> <scenario>");
  process.exit(2);
}
const context = JSON.parse(contextJson) as FallthroughContext;
if (mode === "fresh") {
  const startMs = performance.now();
  const push = await timedChainPush(context, unavailableFor(arg, context));
  const report: FreshReport = { startMs, ...push };
  console.log(JSON.stringify(report));
} else {
  const names = [BASELINE, ...SCENARIOS.map((s) => s.name)];
  const pushes = new Map<string, TimedPush[]>(names.map((n) => [n, []]));
  // One warm-up round, not recorded: the first push in a process pays for compiling and first-use loading.
  for (const name of names) await timedChainPush(context, unavailableFor(name, context));
  for (let round = 0; round < Number(arg); round++) {
    // Each round starts at another scenario, so none always runs right after the same neighbour.
    const order = names.map((_, i) => names[(i + round) % names.length] as string);
    for (const name of order) pushes.get(name)?.push(await timedChainPush(context, unavailableFor(name, context)));
  }
  const report: InProcessReport = Object.fromEntries(pushes);
  console.log(JSON.stringify(report));
}
