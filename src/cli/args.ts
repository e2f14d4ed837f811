// Command-line parsing for `scope-watchdog`: a table of commands read with node:util's parseArgs, help and
// errors in the usual shape. (commander took as long to load as all of `check`'s own modules: bench/RESULTS.md.)

import { parseArgs } from "node:util";
import { errorMessage } from "../common/errors.js";

export interface OptionSpec {
  /** "--json", or "--state-dir <dir>" for an option that takes a value. */
  flags: string;
  description: string;
  default?: string;
  /** Options that cannot be given together with this one (their long names, without dashes). */
  conflicts?: string;
}

export interface CommandSpec {
  /** "check", or "config validate" for a command of a group. */
  name: string;
  /** "<action>" (required) or "[file]" (optional): at most one positional. */
  arg?: string;
  description: string;
  options?: readonly OptionSpec[];
}

export type Parsed =
  | {
      kind: "command";
      command: CommandSpec;
      arg: string | undefined;
      options: Record<string, string | boolean>;
    }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string; help: string };

const HELP_OPTION: OptionSpec = { flags: "-h, --help", description: "display help for command" };

function longName(o: OptionSpec): string {
  return /--([a-z][a-z-]*)/.exec(o.flags)?.[1] ?? o.flags;
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const takesValue = (o: OptionSpec) => o.flags.includes("<");

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

function commandHelp(program: string, c: CommandSpec): string {
  const options = [...(c.options ?? []), HELP_OPTION];
  const rows = options.map((o): [string, string] => [
    o.flags,
    o.default === undefined ? o.description : `${o.description} (default: "${o.default}")`,
  ]);
  const usage = [program, c.name, "[options]", c.arg].filter(Boolean).join(" ");
  return `Usage: ${usage}\n\n${c.description}\n\nOptions:\n${table(rows)}\n`;
}

export interface ProgramSpec {
  name: string;
  description: string;
  /** The descriptions of command groups ("config" for "config validate" and "config schema"). */
  groups: Readonly<Record<string, string>>;
}

/** The overview of the program (group ""), or of one group's commands. */
function groupHelp(program: ProgramSpec, commands: readonly CommandSpec[], group = ""): string {
  const prefix = group ? `${group} ` : "";
  const rows: [string, string][] = [];
  for (const c of commands) {
    if (!c.name.startsWith(prefix)) continue;
    const [word = "", sub] = c.name.slice(prefix.length).split(" ");
    if (sub === undefined)
      rows.push([
        [word, c.options?.length ? "[options]" : "", c.arg].filter(Boolean).join(" "),
        c.description,
      ]);
    else if (!rows.some(([left]) => left === `${word} [command]`))
      rows.push([`${word} [command]`, program.groups[word] ?? ""]);
  }
  rows.push(["help [command]", "display help for command"]);
  const options: [string, string][] = group ? [] : [["-V, --version", "output the version number"]];
  options.push(["-h, --help", "display help for command"]);
  const usage = `${program.name} ${prefix}[options] [command]`;
  const description = group ? (program.groups[group] ?? "") : program.description;
  return `Usage: ${usage}\n\n${description}\n\nOptions:\n${table(options)}\n\nCommands:\n${table(rows)}\n`;
}

/** Finds the command named by the first one or two words of argv. */
function findCommand(commands: readonly CommandSpec[], argv: readonly string[]) {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return null;
}

/** Parses argv (without node and the script) against the command table. */
export function parseCommandLine(
  program: ProgramSpec,
  commands: readonly CommandSpec[],
  argv: readonly string[],
): Parsed {
  const overview = () => groupHelp(program, commands);
  const first = argv[0];
  if (first === undefined) return { kind: "error", message: "", help: overview() };
  if (first === "-V" || first === "--version") return { kind: "version" };
  if (first === "-h" || first === "--help") return { kind: "help", text: overview() };
  if (first === "help") {
    const named = argv.length > 1 ? findCommand(commands, argv.slice(1)) : null;
    if (named) return { kind: "help", text: commandHelp(program.name, named.command) };
    const group = argv[1] !== undefined && argv[1] in program.groups ? argv[1] : "";
    return { kind: "help", text: groupHelp(program, commands, group) };
  }
  const found = findCommand(commands, argv);
  if (!found) {
    if (first in program.groups) {
      const help = groupHelp(program, commands, first);
      const second = argv[1];
      if (second === "-h" || second === "--help") return { kind: "help", text: help };
      return { kind: "error", message: second === undefined ? "" : `unknown command '${second}'`, help };
    }
    return { kind: "error", message: `unknown command '${first}'`, help: overview() };
  }
  const { command, rest } = found;
  // the help text follows an error; it is written only then
  const fail = (message: string): Parsed => ({
    kind: "error",
    message,
    help: commandHelp(program.name, command),
  });
  const specs = command.options ?? [];
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const o of specs) config[longName(o)] = { type: takesValue(o) ? "string" : "boolean" };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options: config, allowPositionals: true }));
  } catch (err) {
    // parseArgs names the option first, in quotes: "Unknown option '--x'", "Option '--state-dir <value>' …"
    const what = /'(-[^' ]+)/.exec(errorMessage(err))?.[1] ?? "";
    const code = (err as NodeJS.ErrnoException).code;
    const spec = specs.find((o) => `--${longName(o)}` === what);
    const message =
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `unknown option '${what}'`
        : code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && spec
          ? `option '${spec.flags}' argument missing`
          : errorMessage(err);
    return fail(message);
  }
  if (values.help) return { kind: "help", text: commandHelp(program.name, command) };
  const max = command.arg ? 1 : 0;
  if (positionals.length > max) {
    return fail(
      `too many arguments for '${command.name}'. Expected ${max} argument${max === 1 ? "" : "s"} but got ${positionals.length}.`,
    );
  }
  if (command.arg?.startsWith("<") && positionals.length === 0)
    return fail(`missing required argument '${command.arg.slice(1, -1)}'`);
  const options: Record<string, string | boolean> = {};
  for (const o of specs) {
    const v = values[longName(o)] ?? o.default;
    if (v !== undefined) options[camel(longName(o))] = v;
  }
  for (const o of specs) {
    const other = o.conflicts;
    if (other && values[longName(o)] !== undefined && values[other] !== undefined) {
      return fail(`option '--${longName(o)}' cannot be used with option '--${other}'`);
    }
  }
  return { kind: "command", command, arg: positionals[0], options };
}
