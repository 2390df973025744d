/** The resident skopeo container the bench runs for the container rows, and how skopeo reaches the archive through it. */
export interface BenchContainer {
  readonly name: string;
  readonly id: string;
  /** The shared directory on this host, mounted at `containerSharedDir` in the container. */
  readonly hostSharedDir: string;
  readonly containerSharedDir: string;
}

/** What one push of a benchmark is given. */
export interface PushJob {
  /** The image archive (docker-archive). */
  readonly archive: string;
  /** The same archive, hard-linked into the shared directory, as the container sees it (container rows only). */
  readonly archiveInContainer?: string | undefined;
  /** `host:port/repository:tag`. */
  readonly destination: string;
  /** `http` registries are pushed to without TLS; `https` ones trust `caFile`. */
  readonly scheme: "http" | "https";
  readonly caFile?: string | undefined;
  /** A `certs.d`-style directory holding the CA, for skopeo. */
  readonly certDir?: string | undefined;
  /** The same directory copied into the shared directory, as the container sees it (container rows, https only). */
  readonly certDirInContainer?: string | undefined;
  /** A directory of this row's own: caches, auth files. Kept between the cold and the warm push. */
  readonly rowDir: string;
  /** The bench's resident container, for the rows whose skopeo runs in it. */
  readonly container?: BenchContainer | undefined;
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
  /** Short name in the table, e.g. `skopush native` or `skopeo copy`. */
  readonly name: string;
  /** One line on what it runs. */
  readonly description: string;
  /** Whether skopeo runs in the bench's resident container (the runner starts one, and measures its memory). */
  readonly usesContainer?: boolean | undefined;
  /** Empties what the client keeps between pushes (blob-info caches), so the next push is cold. */
  clearClientCaches(job: PushJob): Promise<void>;
  /**
   * The process that pushes once. It may print `{"pushMs":…}` as its last stdout line to report its own
   * timing (and `startMs`, `marks`: see `strategy-child.ts`).
   */
  command(job: PushJob): ChildCommand;
}
