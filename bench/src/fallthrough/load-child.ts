import "reflect-metadata";
import "@skopush/core";

// argv: <module>... Imports @skopush/core (above), then each module in turn; prints how long each import took.
const timings: Record<string, number> = {};
for (const name of process.argv.slice(2)) {
  const started = performance.now();
  await import(name);
  timings[name] = performance.now() - started;
}
console.log(JSON.stringify({ startMs: performance.now(), timings }));
