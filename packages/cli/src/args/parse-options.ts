import { parseArgs } from "node:util";
import { UsageError } from "../usage-error.js";
import { answerUnknownFlag, type FlagAnswer } from "./flag-answers.js";

/** One flag a command accepts. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** May be given more than once; values accumulate. @default false */
  readonly multiple?: boolean | undefined;
  readonly short?: string | undefined;
  /** One line for shell completion. */
  readonly description?: string | undefined;
  /** What a string flag's value is, for shell completion: a file, a directory, or one of these words. */
  readonly values?: "file" | "directory" | ReadonlyArray<string> | undefined;
}

/** The flags of one command, by long name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Parsed flags and positionals of one command. */
export interface ParsedOptions {
  readonly strings: ReadonlyMap<string, ReadonlyArray<string>>;
  readonly booleans: ReadonlySet<string>;
  readonly positionals: ReadonlyArray<string>;
}

/**
 * Parses `argv` against `specs` with `node:util`'s tokenizer, then validates every token itself, so that
 * no error message ever repeats a flag's value (a mistyped password flag must not echo the password).
 */
export const parseOptions = (
  command: string,
  argv: ReadonlyArray<string>,
  specs: FlagSpecs,
  answers: ReadonlyArray<FlagAnswer> = [],
): ParsedOptions => {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}) }]),
  );
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const strings = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  const usage = (reason: string) => new UsageError({ reason, command });
  for (const [index, token] of tokens.entries()) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === "option-terminator") continue;
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    if (spec === undefined) {
      // `--dest-tls-verify false`: the word after an unknown flag may be its value; it only picks the answer.
      const next = tokens[index + 1];
      const value = token.inlineValue ? token.value : next?.kind === "positional" ? next.value : undefined;
      throw usage(answerUnknownFlag(flagName(token.rawName), value, command, Object.keys(specs), answers));
    }
    if (spec.type === "boolean") {
      if (token.value !== undefined) throw usage(`${token.rawName} takes no value`);
      booleans.add(token.name);
      continue;
    }
    // parseArgs takes the next word as the value even when it is a flag: `--username --json`.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith("-") && token.value !== "-")) {
      throw usage(`${token.rawName} needs a value`);
    }
    const values = strings.get(token.name) ?? [];
    if (values.length > 0 && !spec.multiple) throw usage(`${token.rawName} is given more than once`);
    values.push(token.value);
    strings.set(token.name, values);
  }
  return { strings, booleans, positionals };
};

/** The flag's name without an inline `=value`. */
const flagName = (raw: string): string => raw.split("=", 1)[0] ?? raw;

/** The single value of a string flag, or undefined. */
export const stringFlag = (parsed: ParsedOptions, name: string): string | undefined => parsed.strings.get(name)?.[0];
