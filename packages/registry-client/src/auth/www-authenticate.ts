/** One `WWW-Authenticate` challenge: the scheme (lower case) and its parameters (keys lower case). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const PARAM = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*/;
const QUOTED = /^"((?:[^"\\]|\\.)*)"/;

/**
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1): schemes are case-insensitive; values are tokens or
 * quoted strings with `\` escapes that may hold commas (`scope="repository:p/r:pull,push"`).
 * Several headers, or several challenges in one header, are all read.
 */
export const parseWwwAuthenticate = (header: string | ReadonlyArray<string> | undefined): ReadonlyArray<AuthChallenge> => {
  if (header === undefined) return [];
  if (typeof header !== "string") return header.flatMap((h) => parseWwwAuthenticate(h));
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let rest = header.trim();
  while (rest !== "") {
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) break;
    rest = rest.slice(scheme.length).trimStart();
    const challenge = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    challenges.push(challenge);
    for (;;) {
      const param = PARAM.exec(rest);
      if (!param) break;
      rest = rest.slice(param[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        const quoted = QUOTED.exec(rest);
        if (!quoted) return challenges;
        value = (quoted[1] ?? "").replace(/\\(.)/g, "$1");
        rest = rest.slice(quoted[0].length);
      } else {
        value = TOKEN.exec(rest)?.[0] ?? "";
        rest = rest.slice(value.length);
      }
      challenge.params[(param[1] ?? "").toLowerCase()] = value;
      rest = rest.trimStart();
      if (!rest.startsWith(",")) break;
      rest = rest.slice(1).trimStart();
    }
    if (rest.startsWith(",")) rest = rest.slice(1).trimStart();
  }
  return challenges;
};
