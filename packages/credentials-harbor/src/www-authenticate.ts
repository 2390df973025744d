/** One challenge of a `Www-Authenticate` header: `Bearer realm="…",service="…"`. */
export interface AuthChallenge {
  /** Lowercased: `bearer`, `basic`. */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

/** Parses a `Www-Authenticate` header (RFC 7235: auth-params with tokens or quoted strings). */
export const parseWwwAuthenticate = (header: string | undefined): AuthChallenge[] => {
  if (!header) return [];
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < header.length && chars.test(header[i] ?? "")) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const match = TOKEN.exec(header);
    if (!match) return undefined;
    i = TOKEN.lastIndex;
    return match[0];
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (scheme === undefined) break;
    const params: Record<string, string> = {};
    for (;;) {
      skip(/\s/);
      const start = i;
      const name = token();
      skip(/\s/);
      if (name === undefined || header[i] !== "=") {
        i = start;
        break;
      }
      i++;
      skip(/\s/);
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === "\\") i++;
          value += header[i] ?? "";
          i++;
        }
        i++;
      } else {
        value = token() ?? "";
      }
      params[name.toLowerCase()] = value;
      skip(/\s/);
      if (header[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    challenges.push({ scheme: scheme.toLowerCase(), params });
  }
  return challenges;
};
