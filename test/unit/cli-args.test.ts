// The command-line parser: commands and groups, options to camelCase keys, defaults, one positional, and the
// errors a person gets for a wrong command line (with the help that follows them).
import { describe, expect, it } from "vitest";
import { type CommandSpec, type ProgramSpec, parseCommandLine } from "../../src/cli/args.js";

const PROGRAM: ProgramSpec = {
  name: "tool",
  description: "A tool.",
  groups: { config: "Config things." },
};
const COMMANDS: CommandSpec[] = [
  {
    name: "check",
    description: "Check once.",
    options: [
      { flags: "--json", description: "as JSON" },
      { flags: "--state-dir <dir>", description: "the state" },
    ],
  },
  {
    name: "service",
    arg: "<action>",
    description: "Install it.",
    options: [
      { flags: "--systemd", description: "systemd", conflicts: "wsl" },
      { flags: "--wsl", description: "WSL", conflicts: "systemd" },
      { flags: "--run-as <user>", description: "the account", default: "openclaw" },
    ],
  },
  {
    name: "silence",
    arg: "[code]",
    description: "Mute.",
    options: [{ flags: "--list", description: "show" }],
  },
  { name: "config validate", arg: "[file]", description: "Validate." },
  { name: "config schema", description: "Print the schema." },
];

const parse = (...argv: string[]) => parseCommandLine(PROGRAM, COMMANDS, argv);

describe("parseCommandLine", () => {
  it.each([
    [["check"], "check", undefined, {}],
    [["check", "--json", "--state-dir", "/s"], "check", undefined, { json: true, stateDir: "/s" }],
    [["check", "--state-dir=/s"], "check", undefined, { stateDir: "/s" }],
    [["service", "print", "--systemd"], "service", "print", { systemd: true, runAs: "openclaw" }],
    [["service", "--run-as", "oc", "print"], "service", "print", { runAs: "oc" }],
    [["silence"], "silence", undefined, {}],
    [["silence", "scope-regression", "--list"], "silence", "scope-regression", { list: true }],
    [["config", "validate", "f.json"], "config validate", "f.json", {}],
    [["config", "schema"], "config schema", undefined, {}],
  ])("%j runs %s with %s and %j", (argv, name, arg, options) => {
    const p = parseCommandLine(PROGRAM, COMMANDS, argv);
    expect(p).toMatchObject({ kind: "command", command: { name }, arg, options });
    if (p.kind === "command") expect(p.options).toEqual(options);
  });

  it.each([
    [["bogus"], "unknown command 'bogus'", "Usage: tool [options] [command]"],
    [["check", "--bogus"], "unknown option '--bogus'", "Usage: tool check [options]"],
    [["check", "--state-dir"], "option '--state-dir <dir>' argument missing", "--state-dir <dir>  the state"],
    [["check", "extra"], "too many arguments for 'check'. Expected 0 arguments but got 1.", "Check once."],
    [["service"], "missing required argument 'action'", "Usage: tool service [options] <action>"],
    [["service", "print", "--systemd", "--wsl"], "option '--systemd' cannot be used with option '--wsl'", ""],
    [["config", "nope"], "unknown command 'nope'", "Config things."],
    [[], "", "Usage: tool [options] [command]"],
  ])("%j is an error: %s", (argv, message, help) => {
    const p = parseCommandLine(PROGRAM, COMMANDS, argv);
    expect(p).toMatchObject({ kind: "error", message });
    expect(p.kind === "error" && p.help).toContain(help);
  });

  it("prints help for the program, a group and a command, and the version", () => {
    const overview = parse("--help");
    expect(overview.kind).toBe("help");
    const text = overview.kind === "help" ? overview.text : "";
    expect(text).toContain("check [options]             Check once.");
    expect(text).toContain("service [options] <action>  Install it.");
    expect(text).toContain("config [command]            Config things.");
    expect(text).toContain("-V, --version");
    expect(parse("help")).toEqual(overview);
    const group = parse("config", "--help");
    expect(group.kind === "help" && group.text).toContain("validate [file]  Validate.");
    expect(parse("help", "config")).toEqual(group);
    const command = parse("service", "-h");
    expect(command.kind === "help" && command.text).toContain(
      '--run-as <user>  the account (default: "openclaw")',
    );
    expect(parse("help", "service")).toEqual(command);
    expect(parse("-V")).toEqual({ kind: "version" });
    expect(parse("--version")).toEqual({ kind: "version" });
  });
});
