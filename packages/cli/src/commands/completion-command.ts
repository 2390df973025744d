import { DOCTOR_FLAGS, SERVICE_FLAGS } from "../args/command-flags.js";
import type { FlagSpec, FlagSpecs } from "../args/parse-options.js";
import { PUSH_FLAGS } from "../args/push-arguments.js";
import { PUSH_MANY_FLAGS } from "../args/push-many-arguments.js";
import type { CliIo } from "../cli-io.js";
import { EXIT } from "../exit-codes.js";
import { UsageError } from "../usage-error.js";
import { SERVICE_ACTIONS } from "./service-command.js";

/** The shells `skopush completion` writes a script for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;

/** The commands, with one line each, as completion offers them. */
const COMMANDS: ReadonlyArray<readonly [string, string]> = [
  ["push", "push an image archive to a registry"],
  ["push-many", "push every image of a JSON plan, several at once"],
  ["doctor", "show which push strategies work here, and why not"],
  ["service", "manage the resident skopeo container"],
  ["version", "print the version"],
  ["completion", "print a shell completion script"],
  ["help", "show help for a command"],
];

/** The flags of each command that takes flags. */
const FLAGS: ReadonlyArray<readonly [string, FlagSpecs]> = [
  ["push", PUSH_FLAGS],
  ["push-many", PUSH_MANY_FLAGS],
  ["doctor", DOCTOR_FLAGS],
  ["service", SERVICE_FLAGS],
];

const words = (list: ReadonlyArray<string>) => list.join(" ");
const flagWords = (specs: FlagSpecs) =>
  Object.entries(specs).flatMap(([name, spec]) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]);

const bashValueCase = (name: string, spec: FlagSpec): string | undefined => {
  if (spec.type !== "string") return undefined;
  const names = [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])].join("|");
  if (spec.values === "file") return `        ${names}) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;`;
  if (spec.values === "directory") return `        ${names}) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;`;
  if (spec.values) return `        ${names}) COMPREPLY=( $(compgen -W "${words(spec.values)}" -- "$cur") ); return ;;`;
  return `        ${names}) return ;;`;
};

/** `source <(skopush completion bash)`. */
const bashScript = (): string => {
  const commandCases = FLAGS.map(([command, specs]) => {
    const values = Object.entries(specs).map(([name, spec]) => bashValueCase(name, spec)).filter((line) => line !== undefined);
    const positional =
      command === "service"
        ? `if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=( $(compgen -W "${words(SERVICE_ACTIONS)}" -- "$cur") ); return; fi`
        : command === "push"
          ? `[[ "$cur" != -* ]] && { COMPREPLY=( $(compgen -f -- "$cur") ); return; }`
          : ":";
    return [
      `    ${command})`,
      `      case "$prev" in`,
      ...values,
      `      esac`,
      `      ${positional}`,
      `      COMPREPLY=( $(compgen -W "${words(flagWords(specs))}" -- "$cur") ) ;;`,
    ].join("\n");
  });
  return `# skopush completion for bash. Load it with: source <(skopush completion bash)
_skopush() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${words(COMMANDS.map(([name]) => name))} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${commandCases.join("\n")}
    completion) COMPREPLY=( $(compgen -W "${words(COMPLETION_SHELLS)}" -- "$cur") ) ;;
    help) COMPREPLY=( $(compgen -W "push doctor service" -- "$cur") ) ;;
  esac
}
complete -o default -F _skopush skopush
`;
};

const zshQuote = (text: string) => text.replaceAll("'", "'\\''").replaceAll("[", "\\[").replaceAll("]", "\\]").replaceAll(":", "\\:");

const zshFlag = (name: string, spec: FlagSpec): string[] => {
  const description = zshQuote(spec.description ?? name);
  const action =
    spec.type === "boolean" ? "" : spec.values === "file" ? ":file:_files" : spec.values === "directory" ? ":directory:_files -/" : spec.values ? `:value:(${words(spec.values)})` : ":value: ";
  const repeat = spec.multiple ? "*" : "";
  const long = `'${repeat}--${name}[${description}]${action}'`;
  return spec.short ? [long, `'${repeat}-${spec.short}[${description}]${action}'`] : [long];
};

/** `source <(skopush completion zsh)`, or save it as `_skopush` in a directory of `$fpath`. */
const zshScript = (): string => {
  const commandCases = FLAGS.map(([command, specs]) => {
    const flags = Object.entries(specs).flatMap(([name, spec]) => zshFlag(name, spec));
    const positional =
      command === "service" ? `'1:action:(${words(SERVICE_ACTIONS)})'` : command === "push" ? `'1:archive:_files' '2:destination: '` : "";
    return `    ${command}) _arguments ${[...flags, positional].filter(Boolean).join(" ")} ;;`;
  });
  return `#compdef skopush
# skopush completion for zsh. Load it with: source <(skopush completion zsh)
_skopush() {
  local -a commands
  commands=(${COMMANDS.map(([name, description]) => `'${name}:${zshQuote(description)}'`).join(" ")})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${commandCases.join("\n")}
    completion) _arguments '1:shell:(${words(COMPLETION_SHELLS)})' ;;
    help) _arguments '1:command:(push doctor service)' ;;
  esac
}
if [ "$funcstack[1]" = "_skopush" ]; then _skopush "$@"; else compdef _skopush skopush; fi
`;
};

const fishQuote = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** `skopush completion fish | source`, or save it as `~/.config/fish/completions/skopush.fish`. */
const fishScript = (): string => {
  const lines = [
    "# skopush completion for fish. Load it with: skopush completion fish | source",
    "complete -c skopush -f",
    ...COMMANDS.map(([name, description]) => `complete -c skopush -n __fish_use_subcommand -a ${name} -d ${fishQuote(description)}`),
    `complete -c skopush -n '__fish_seen_subcommand_from completion' -a ${fishQuote(words(COMPLETION_SHELLS))}`,
    `complete -c skopush -n '__fish_seen_subcommand_from help' -a 'push doctor service'`,
    `complete -c skopush -n '__fish_seen_subcommand_from service; and not __fish_seen_subcommand_from ${words(SERVICE_ACTIONS)}' -a ${fishQuote(words(SERVICE_ACTIONS))}`,
    `complete -c skopush -n '__fish_seen_subcommand_from push' -F`,
  ];
  for (const [command, specs] of FLAGS) {
    for (const [name, spec] of Object.entries(specs)) {
      const value =
        spec.type === "boolean" ? "" : spec.values === "file" ? " -r -F" : spec.values === "directory" ? " -r -a '(__fish_complete_directories)'" : spec.values ? ` -x -a ${fishQuote(words(spec.values))}` : " -x";
      lines.push(
        `complete -c skopush -n '__fish_seen_subcommand_from ${command}' -l ${name}${spec.short ? ` -s ${spec.short}` : ""}${value} -d ${fishQuote(spec.description ?? name)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
};

/** `skopush completion bash|zsh|fish`: prints the completion script for that shell. */
export const completionCommand = (argv: ReadonlyArray<string>, io: CliIo): number => {
  const [shell, ...extra] = argv;
  if (shell === "-h" || shell === "--help") {
    io.stdout.write("Usage: skopush completion bash|zsh|fish\n\n  bash: source <(skopush completion bash)\n  zsh:  source <(skopush completion zsh)\n  fish: skopush completion fish | source\n");
    return EXIT.ok;
  }
  if (shell !== "bash" && shell !== "zsh" && shell !== "fish") {
    throw new UsageError({
      reason: shell === undefined ? "missing <shell>: bash, zsh or fish" : `no completion for ${JSON.stringify(shell)}; the shells are bash, zsh and fish`,
      command: "completion",
    });
  }
  if (extra.length > 0) throw new UsageError({ reason: `unexpected argument ${JSON.stringify(extra[0])}`, command: "completion" });
  io.stdout.write(shell === "bash" ? bashScript() : shell === "zsh" ? zshScript() : fishScript());
  return EXIT.ok;
};
