/** What one push of a benchmark is given. */
export interface PushJob {
  /** The image archive (docker-archive). */
  readonly archive: string;
  /** `host:port/repository:tag`. */
  readonly destination: string;
  /** `http` registries are pushed to without TLS; `https` ones trust `caFile`. */
  readonly scheme: "http" | "https";
  readonly caFile?: string | undefined;
  /** A `certs.d`-style directory holding the CA, for skopeo. */
  readonly certDir?: string | undefined;
  /** A directory of this row's own: caches, auth files. Kept between the cold and the warm push. */
  readonly rowDir: string;
}

/** A command run in its own process, so that its peak RSS is its own. */
export interface ChildCommand {
  readonly file: string;
  readonly args: ReadonlyArray<string>;
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/**
 * One row of the benchmark table: a named way to push an archive. Every row pushes the same archive to
 * the same registry; the runner empties the registry's storage before each cold push.
 */
export interface BenchRow {
  /** Short name in the table, e.g. `registry` or `skopeo copy`. */
  readonly name: string;
  /** One line on what it runs. */
  readonly description: string;
  /** Empties what the client keeps between pushes (blob-info caches), so the next push is cold. */
  clearClientCaches(job: PushJob): Promise<void>;
  /** The process that pushes once. It may print `{"pushMs":…}` as its last stdout line to report its own timing. */
  command(job: PushJob): ChildCommand;
}
