/**
 * What skopush answers to flags that skopeo, crane, docker or curl users bring: the skopush flag that does
 * the same, or why there is none. An answer never repeats the value given with the flag.
 */
export interface FlagAnswer {
  /** Matches the flag's name (without `=value`). */
  readonly flag: RegExp;
  /** Matches the inline value when the answer depends on it (`--dest-tls-verify=false`). */
  readonly value?: RegExp | undefined;
  /** The reason shown, written for the person who typed it. */
  readonly answer: string;
}

/**
 * Flags refused because their value would be a secret on the command line (checked before parsing), and
 * docker login's attached short form `-p<password>`.
 */
export const SECRET_FLAG = /^(?:(?:--password|--pass|-p|--dest-creds|--src-creds|--creds|--dest-password|--dest-registry-token|--registry-token|--identity-token)(?:=|$)|-p.)/;

/** The answers for `skopush push`, first match wins. */
export const PUSH_FLAG_ANSWERS: ReadonlyArray<FlagAnswer> = [
  {
    flag: /^--(?:dest-)?tls-?verify$/,
    value: /^(?:false|0)$/i,
    answer: "skopush verifies TLS by default and turns it off with --insecure (which also allows plain http), as skopeo's --dest-tls-verify=false does",
  },
  {
    flag: /^--(?:dest-)?tls-?verify$/,
    answer: "skopush verifies TLS by default: drop --dest-tls-verify; to turn verification off use --insecure",
  },
  { flag: /^--dest-cert-dir$/, answer: "skopush push has no source registry, so the flag is --cert-dir <dir> (a containers-certs.d directory)" },
  { flag: /^--(?:tlscacert|cacert|ca-file|cafile|dest-ca-cert)$/, answer: "the CA certificate flag of skopush is --ca-cert <file>" },
  { flag: /^--dest-username$/, answer: "give the account with -u/--username <user> and the password with --password-stdin" },
  {
    flag: /^--dest-no-creds$/,
    answer: "skopush pushes anonymously when it finds no credentials for the registry (it passes --dest-no-creds to skopeo itself); to be sure, unset SKOPUSH_USERNAME/SKOPUSH_PASSWORD",
  },
  { flag: /^--retry-times$/, answer: "skopush retries transient failures itself (3 times, with backoff) and passes --retry-times 3 to skopeo" },
  {
    flag: /^--(?:src-.*|all|multi-arch|preserve-digests|source-.*)$|^-a$/,
    answer: "<archive> is the source, so there is no source flag; a multi-platform archive is pushed whole (as skopeo's --all), --platform os/arch picks one platform and --image one image of an archive holding several",
  },
  { flag: /^--(?:override-arch|override-os|override-variant)$/, answer: "skopush picks a platform with --platform os/architecture[/variant], e.g. --platform linux/arm64" },
  {
    flag: /^--(?:dest-compress.*|dest-decompress|dest-oci-accept-uncompressed-layers)$/,
    answer: "skopush chooses what uncompressed layers are sent as with --compression gzip|zstd|none (gzip by default)",
  },
  { flag: /^--(?:sign-.*|remove-signatures|signature-.*)$/, answer: "skopush does not sign images or copy signatures" },
  { flag: /^--name$/, answer: "for skopush push the resident container is --container <name> (--name is doctor's and service's)" },
  { flag: /^--(?:dest-shared-blob-dir|dest-daemon-host|image-parallel-copies)$/, answer: "skopush has no equivalent of this skopeo flag" },
];

/** The edit distance of `a` and `b` (insertions, deletions, substitutions, transpositions of neighbours). */
const distance = (a: string, b: string): number => {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const previous = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
};

/** The known flag closest to `name` (`--strat` → `--strategy`), when one is close enough to be meant. */
export const nearestFlag = (name: string, known: ReadonlyArray<string>): string | undefined => {
  const bare = name.replace(/^-+/, "");
  let best: { readonly flag: string; readonly score: number } | undefined;
  for (const flag of known) {
    const score = flag.startsWith(bare) && bare.length >= 3 ? 0 : distance(bare, flag);
    if (score <= Math.max(1, Math.floor(flag.length / 4)) && (best === undefined || score < best.score)) best = { flag, score };
  }
  return best === undefined ? undefined : `--${best.flag}`;
};

/** The answer to a flag skopush does not have: a known habit's answer, the nearest flag, or the list. */
export const answerUnknownFlag = (
  rawName: string,
  inlineValue: string | undefined,
  command: string,
  known: ReadonlyArray<string>,
  answers: ReadonlyArray<FlagAnswer> = [],
): string => {
  const habit = answers.find((answer) => answer.flag.test(rawName) && (answer.value === undefined || (inlineValue !== undefined && answer.value.test(inlineValue))));
  if (habit) return `${rawName}: ${habit.answer}`;
  const nearest = nearestFlag(rawName, known);
  if (nearest) return `unknown flag ${rawName} for skopush ${command}; did you mean ${nearest}?`;
  return `unknown flag ${rawName} for skopush ${command}; its flags are ${known.map((flag) => `--${flag}`).join(", ")}`;
};
