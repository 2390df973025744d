import { availableParallelism, cpus, loadavg } from "node:os";
import { createReadStream } from "node:fs";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { createGzip } from "node:zlib";
import { AdaptiveGzip } from "@skopush/strategy-registry";

// Throughput and output size of gzip-compressing layer-like data: Node's zlib as is, and the registry
// strategy's AdaptiveGzip. Single process, data from memory (or --file), output counted and dropped.
const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "128" },
    file: { type: "string" },
  },
});
const size = Number(values["size-mib"]) * 2 ** 20;

const payload = async (kind: "random" | "text" | "mixed"): Promise<Buffer> => {
  const { randomBytes } = await import("node:crypto");
  if (kind === "random") return randomBytes(size);
  // Text like the fixtures' compressible layers: words in lines, runs repeating at a distance.
  const words = "the of and to in is for on with as by at from layer image blob digest manifest registry harbor push pull tag config rootfs".split(" ");
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const lines: string[] = [];
  for (let length = 0; length < 256 * 1024; ) {
    const line = `${Array.from({ length: 10 }, () => words[next() % words.length]).join(" ")}\n`;
    lines.push(line);
    length += line.length;
  }
  const pool = Buffer.from(lines.join(""));
  const text = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += 4096) {
    const from = next() % (pool.length - 4096);
    pool.copy(text, at, from, from + Math.min(4096, size - at));
  }
  if (kind === "text") return text;
  const random = randomBytes(size);
  const mixed = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += 2 ** 20) {
    const half = Math.min(2 ** 19, size - at);
    text.copy(mixed, at, at, at + half);
    random.copy(mixed, at + half, at + half, Math.min(size, at + 2 ** 20));
  }
  return mixed;
};

const measure = async (source: () => Readable, compressor: () => Transform) => {
  let out = 0;
  let input = 0;
  const started = performance.now();
  await pipeline(
    source().on("data", (chunk: Buffer) => (input += chunk.length)),
    compressor(),
    async (stream: AsyncIterable<Buffer>) => {
      for await (const chunk of stream) out += chunk.length;
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return { mbps: input / 2 ** 20 / seconds, ratio: out / input };
};

const fromBuffer = (data: Buffer) => () => Readable.from((function* () {
  for (let at = 0; at < data.length; at += 256 * 1024) yield data.subarray(at, at + 256 * 1024);
})());

const threads = availableParallelism();
const compressors: ReadonlyArray<[string, () => Transform]> = [
  ["zlib gzip -6 (one stream)", () => createGzip({ level: 6 })],
  ["zlib gzip -1 (one stream)", () => createGzip({ level: 1 })],
  [`AdaptiveGzip -6, ${threads} threads`, () => new AdaptiveGzip({ level: 6, threads })],
  [`AdaptiveGzip -1, ${threads} threads (default)`, () => new AdaptiveGzip({ level: 1, threads })],
];

console.log(`${new Date().toISOString()}; ${cpus()[0]?.model}, ${cpus().length} cores; node ${process.version}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log("| data | compressor | MB/s | output/input |\n| --- | --- | --- | --- |");
const inputs: Array<[string, () => Readable]> = [];
for (const kind of ["random", "text", "mixed"] as const) inputs.push([`${kind}, ${values["size-mib"]} MiB`, fromBuffer(await payload(kind))]);
if (values.file) inputs.push([values.file, () => createReadStream(values.file as string, { highWaterMark: 256 * 1024 })]);
for (const [name, source] of inputs) {
  for (const [label, compressor] of compressors) {
    const { mbps, ratio } = await measure(source, compressor);
    console.log(`| ${name} | ${label} | ${mbps.toFixed(0)} | ${ratio.toFixed(3)} |`);
  }
}
