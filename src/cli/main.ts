// The `scope-watchdog` executable: argument parsing and exit codes only; each command is loaded on demand.

import { VERSION } from "../common/version.js";
import { type CommandSpec, type OptionSpec, parseCommandLine } from "./args.js";
import type { runCheck } from "./check.js";
import type { runFix } from "./fix.js";
import { EXIT, type Io, print, processIo, redactingIo } from "./io.js";
import type { runPairCommand } from "./pair.js";
import type { runDaemon } from "./run.js";
import type { runService } from "./service.js";
import type { runSilence } from "./silence.js";
import type { runStatus } from "./status.js";

/**
 * The errors that are expected failures with a message for the user (one line, no stack): matched by name so
 * that start-up loads none of the modules that throw them (config/load, daemon/inspect, cli/status).
 */
const EXPECTED_ERRORS = new Set(["ConfigError", "NoOpenClawStateError", "StatusSocketError"]);

const PROGRAM = {
  name: "scope-watchdog",
  description: "Watches OpenClaw's device pairing and explains (and optionally heals) scope regressions.",
  groups: { config: "Validate the config file or print its JSON Schema." },
};

/** The parsed options (camelCase keys); each command reads them as the options type its module declares. */
type Flags = Record<string, string | boolean>;

/** A command of the table: what the parser needs, and the module that runs it (loaded only when it runs). */
interface Command extends CommandSpec {
  run(arg: string | undefined, options: Flags, io: Io): Promise<number>;
}

const json = (what: string): OptionSpec => ({ flags: "--json", description: `print ${what} as JSON` });
const STATE_DIR: OptionSpec = {
  flags: "--state-dir <dir>",
  description: "OpenClaw's state directory (default: as OpenClaw resolves it)",
};
const PROFILE: OptionSpec = {
  flags: "--profile <name>",
  description: "OpenClaw profile (~/.openclaw-<name>)",
};
const CONFIG: OptionSpec = { flags: "--config <file>", description: "the watchdog's config file" };

const COMMANDS: readonly Command[] = [
  {
    name: "check",
    description: "Diagnose the local device's pairing once; exit 0 healthy, 1 findings, 2 could not check.",
    options: [json("the result"), STATE_DIR, PROFILE, CONFIG],
    run: async (_arg, o, io) =>
      (await import("./check.js")).runCheck(o as Parameters<typeof runCheck>[0], io),
  },
  {
    name: "fix",
    description:
      "One remediation pass under the configured policy; exit 0 healed or nothing to do, 1 needs you, 2 could not run.",
    options: [
      { flags: "--dry-run", description: "decide and explain, change nothing" },
      json("the decisions"),
      STATE_DIR,
      PROFILE,
      CONFIG,
    ],
    run: async (_arg, o, io) => (await import("./fix.js")).runFix(o as Parameters<typeof runFix>[0], io),
  },
  {
    name: "status",
    description:
      "Ask the running daemon what it sees now; exit 0 healthy, 1 open warnings or worse, 2 no daemon answers.",
    options: [
      json("the daemon's report"),
      {
        flags: "--socket <path>",
        description: "the daemon's status socket (default: status.socket, else the default locations)",
      },
      CONFIG,
    ],
    run: async (_arg, o, io) =>
      (await import("./status.js")).runStatus(o as Parameters<typeof runStatus>[0], io),
  },
  {
    name: "service",
    arg: "<action>",
    description:
      "install | uninstall | print: start the daemon by itself (a systemd user unit; on WSL without systemd, a Windows logon task).",
    options: [
      { flags: "--systemd", description: "the systemd user unit", conflicts: "wsl" },
      {
        flags: "--wsl",
        description: "the Windows Task Scheduler task for WSL without systemd",
        conflicts: "systemd",
      },
      { flags: "--system", description: "print only: the system-wide unit for a dedicated account" },
      { flags: "--run-as <user>", description: "the dedicated account of --system", default: "openclaw" },
      {
        flags: "--config <file>",
        description: "the config file the service runs with (its absolute path goes into the unit)",
      },
      { flags: "--distro <name>", description: "the WSL distro (default: $WSL_DISTRO_NAME)" },
    ],
    run: async (arg, o, io) =>
      (await import("./service.js")).runService(arg ?? "", o as Parameters<typeof runService>[1], io),
  },
  {
    name: "run",
    description: "Run the watchdog in the foreground (what the systemd unit runs).",
    options: [CONFIG],
    run: async (_arg, o, io) =>
      (await import("./run.js")).runDaemon(o as Parameters<typeof runDaemon>[0], io),
  },
  {
    name: "pair",
    description:
      "Pair the watchdog's own device (operator.read and operator.pairing) for its live connection; prints the one approve command. Exit 0 paired, 1 waiting for approval, 2 failed.",
    options: [json("the result"), STATE_DIR, PROFILE, CONFIG],
    run: async (_arg, o, io) =>
      (await import("./pair.js")).runPairCommand(o as Parameters<typeof runPairCommand>[0], io),
  },
  {
    name: "silence",
    arg: "[code]",
    description:
      "Mute notifications for a finding code for a while (still detected and logged); --list shows, --clear CODE unmutes.",
    options: [
      { flags: "--for <duration>", description: "how long, e.g. 30m, 2h, 1d" },
      { flags: "--list", description: "show the codes silenced now" },
      { flags: "--clear <code>", description: "unmute a code" },
      json("the result"),
      CONFIG,
    ],
    run: async (arg, o, io) =>
      (await import("./silence.js")).runSilence(arg, o as Parameters<typeof runSilence>[1], io),
  },
  {
    name: "config validate",
    arg: "[file]",
    description: "Validate a config file (default: the one the watchdog would use).",
    run: async (arg, _o, io) => (await import("./config-cmd.js")).runConfigValidate(arg, io),
  },
  {
    name: "config schema",
    description: "Print the JSON Schema of the config file, for editor completion.",
    run: async (_arg, _o, io) => (await import("./config-cmd.js")).runConfigSchema(io),
  },
];

/** Runs the CLI and resolves to the exit code; expected failures print one clear message on stderr. */
export async function main(argv: string[], rawIo: Io = processIo()): Promise<number> {
  const io = redactingIo(rawIo);
  // --no-color anywhere turns colour off (as NO_COLOR=1 does)
  if (argv.includes("--no-color")) io.env.NO_COLOR = "1";
  const parsed = parseCommandLine(
    PROGRAM,
    COMMANDS,
    argv.filter((a) => a !== "--no-color"),
  );
  switch (parsed.kind) {
    case "version":
      print(io.stdout, VERSION);
      return EXIT.ok;
    case "help":
      io.stdout.write(parsed.text);
      return EXIT.ok;
    case "error":
      if (parsed.message) print(io.stderr, `error: ${parsed.message}\n`);
      io.stderr.write(parsed.help);
      return EXIT.failed;
    case "command":
      break;
  }
  const command = parsed.command as Command;
  try {
    return await command.run(parsed.arg, parsed.options, io);
  } catch (err) {
    const e = err as Error;
    if (EXPECTED_ERRORS.has(e.name)) {
      print(io.stderr, `scope-watchdog: ${e.message}`);
      return EXIT.failed;
    }
    print(io.stderr, `scope-watchdog: ${e.stack ?? e.message}`);
    return EXIT.failed;
  }
}
