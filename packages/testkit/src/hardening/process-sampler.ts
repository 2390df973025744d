import { descendantsOf, listProcesses, processLineage, processTexts, processTextsOf, type ProcessInfo, type ProcessTexts } from "./processes.js";

/** Options of {@link startProcessSampler}. */
export interface ProcessSamplerOptions {
  /** Texts no process may show in its argv or environment (a password, its base64 `user:pass`). @default [] */
  readonly secrets?: ReadonlyArray<string> | undefined;
  /**
   * Processes allowed to hold a secret in one place: the process the user gave it to in its environment
   * (`SKOPUSH_PASSWORD=… skopush push`) holds it in its own `environ`, which no program can avoid. A child
   * caught between its fork and its exec is still a copy of that process and is allowed what it is. @default none
   */
  readonly allowed?: ((pid: number, where: "cmdline" | "environ") => boolean) | undefined;
  /** The processes whose descendants are recorded and whose memory, with their descendants', is summed. @default [this process] */
  readonly roots?: (() => ReadonlyArray<number>) | undefined;
  /** More processes whose memory counts in the total, e.g. skopeo inside a container (not a descendant). @default none */
  readonly alsoCount?: (() => ReadonlyArray<number>) | undefined;
  /** Pause between two samples. @default 20 */
  readonly intervalMs?: number | undefined;
}

/** A process seen holding a secret; the secret itself is never repeated. */
export interface SecretSighting {
  readonly pid: number;
  readonly where: "cmdline" | "environ";
  /** The process's argv with every secret masked, cut at 300 characters. */
  readonly command: string;
}

/** What the sampler saw, so far or in all. */
export interface ProcessSamplerReport {
  readonly samples: number;
  readonly sightings: ReadonlyArray<SecretSighting>;
  /** Every descendant of the roots seen in any sample (the first sighting of each pid). */
  readonly descendants: ReadonlyArray<ProcessInfo>;
  /** The largest sum, over one sample, of the resident memory of the roots, their descendants and `alsoCount`. */
  readonly peakRssBytes: number;
  /** The largest resident memory of the roots alone (this process, for a library test). */
  readonly peakRootRssBytes: number;
  /** The most descendants alive at once. */
  readonly peakDescendants: number;
}

/** A sampler running in the background until {@link ProcessSampler.stop}. */
export interface ProcessSampler {
  report(): ProcessSamplerReport;
  /** Stops after the sample in progress and answers the report. */
  stop(): Promise<ProcessSamplerReport>;
}

/**
 * Samples `/proc` until stopped: every process's argv and environment for the secrets, the roots'
 * descendants, and their memory. Each sample reads the whole table synchronously (a few milliseconds),
 * so a process that lives for a sample interval or longer is seen.
 */
export const startProcessSampler = (options: ProcessSamplerOptions = {}): ProcessSampler => {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
  const roots = options.roots ?? (() => [process.pid]);
  const intervalMs = options.intervalMs ?? 20;
  const mask = (text: string) => secrets.reduce((masked, secret) => masked.split(secret).join("<secret>"), text).slice(0, 300);
  const sightings: SecretSighting[] = [];
  const seenSightings = new Set<string>();
  const descendants = new Map<number, ProcessInfo>();
  let samples = 0;
  let peakRssBytes = 0;
  let peakRootRssBytes = 0;
  let peakDescendants = 0;
  let running = true;

  const allowed = options.allowed ?? (() => false);
  const holding = (texts: ProcessTexts) =>
    (["cmdline", "environ"] as const).filter((where) => secrets.some((secret) => texts[where].includes(secret)));

  /**
   * Where `pid` itself holds a secret. Between its fork and its exec a child is a copy of its parent, and
   * `/proc` shows the parent's argv and environment (a docker child of `SKOPUSH_PASSWORD=… skopush push`
   * shows skopush's command line and password for those microseconds): such a copy is judged as its
   * parent. Every exec'd process is judged as itself. The flag is read before and after the texts, so an
   * exec in between is never taken for either state.
   */
  const secretsHeldBy = (pid: number): { readonly texts: ProcessTexts; readonly places: ReadonlyArray<"cmdline" | "environ"> } | undefined => {
    for (;;) {
      const before = processLineage(pid);
      const texts = processTextsOf(pid);
      const after = processLineage(pid);
      if (before === undefined || texts === undefined) return undefined;
      if (after !== undefined && after.forkedWithoutExec !== before.forkedWithoutExec) continue;
      const places = holding(texts).filter((where) => !allowed(pid, where) && !(before.forkedWithoutExec && allowed(before.ppid, where)));
      return { texts, places };
    }
  };

  const sample = () => {
    if (secrets.length > 0) {
      for (const texts of processTexts()) {
        if (holding(texts).every((where) => allowed(texts.pid, where))) continue;
        const held = secretsHeldBy(texts.pid);
        for (const where of held?.places ?? []) {
          const key = `${texts.pid}/${where}`;
          if (seenSightings.has(key)) continue;
          seenSightings.add(key);
          sightings.push({ pid: texts.pid, where, command: mask(held!.texts.cmdline) });
        }
      }
    }
    const table = listProcesses();
    const rootIds = new Set(roots());
    const rootInfos = table.filter((info) => rootIds.has(info.pid));
    const below = [...rootIds].flatMap((pid) => descendantsOf(pid, table));
    for (const info of below) if (!descendants.has(info.pid)) descendants.set(info.pid, info);
    const counted = new Set([...rootIds, ...below.map((info) => info.pid), ...(options.alsoCount?.() ?? [])]);
    const rss = (infos: ReadonlyArray<ProcessInfo>) => infos.reduce((sum, info) => sum + info.rssBytes, 0);
    peakRootRssBytes = Math.max(peakRootRssBytes, rss(rootInfos));
    peakRssBytes = Math.max(peakRssBytes, rss(table.filter((info) => counted.has(info.pid))));
    peakDescendants = Math.max(peakDescendants, below.length);
    samples++;
  };

  const loop = (async () => {
    while (running) {
      sample();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  const report = (): ProcessSamplerReport => ({
    samples,
    sightings: [...sightings],
    descendants: [...descendants.values()],
    peakRssBytes,
    peakRootRssBytes,
    peakDescendants,
  });
  return {
    report,
    stop: async () => {
      running = false;
      await loop;
      sample();
      return report();
    },
  };
};
