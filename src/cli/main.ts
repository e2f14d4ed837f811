// The `scope-watchdog` executable: argument parsing and exit codes only; each command is loaded on demand.

import { Command, Option } from "commander";
import { VERSION } from "../common/version.js";
import { EXIT, type Io, print, processIo } from "./io.js";

/**
 * The errors that are expected failures with a message for the user (one line, no stack): matched by name so
 * that start-up loads none of the modules that throw them (config/load, daemon/inspect, cli/status).
 */
const EXPECTED_ERRORS = new Set(["ConfigError", "NoOpenClawStateError", "StatusSocketError"]);

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("scope-watchdog")
    .description("Watches OpenClaw's device pairing and explains (and optionally heals) scope regressions.")
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command("check")
    .description("Diagnose the local device's pairing once; exit 0 healthy, 1 findings, 2 could not check.")
    .option("--json", "print the result as JSON")
    .option("--state-dir <dir>", "OpenClaw's state directory (default: as OpenClaw resolves it)")
    .option("--profile <name>", "OpenClaw profile (~/.openclaw-<name>)")
    .option("--config <file>", "the watchdog's config file")
    .action(async (opts) => setExit(await (await import("./check.js")).runCheck(opts, io)));

  program
    .command("fix")
    .description(
      "One remediation pass under the configured policy; exit 0 healed or nothing to do, 1 needs you, 2 could not run.",
    )
    .option("--dry-run", "decide and explain, change nothing")
    .option("--json", "print the decisions as JSON")
    .option("--state-dir <dir>", "OpenClaw's state directory (default: as OpenClaw resolves it)")
    .option("--profile <name>", "OpenClaw profile (~/.openclaw-<name>)")
    .option("--config <file>", "the watchdog's config file")
    .action(async (opts) => setExit(await (await import("./fix.js")).runFix(opts, io)));

  program
    .command("status")
    .description(
      "Ask the running daemon what it sees now; exit 0 healthy, 1 open warnings or worse, 2 no daemon answers.",
    )
    .option("--json", "print the daemon's report as JSON")
    .option(
      "--socket <path>",
      "the daemon's status socket (default: status.socket, else the default locations)",
    )
    .option("--config <file>", "the watchdog's config file")
    .action(async (opts) => setExit(await (await import("./status.js")).runStatus(opts, io)));

  program
    .command("service <action>")
    .description(
      "install | uninstall | print: start the daemon by itself (a systemd user unit; on WSL without systemd, a Windows logon task).",
    )
    .addOption(new Option("--systemd", "the systemd user unit").conflicts("wsl"))
    .addOption(
      new Option("--wsl", "the Windows Task Scheduler task for WSL without systemd").conflicts("systemd"),
    )
    .option("--system", "print only: the system-wide unit for a dedicated account")
    .option("--run-as <user>", "the dedicated account of --system", "openclaw")
    .option("--config <file>", "the config file the service runs with (its absolute path goes into the unit)")
    .option("--distro <name>", "the WSL distro (default: $WSL_DISTRO_NAME)")
    .action(async (action: string, opts) =>
      setExit(await (await import("./service.js")).runService(action, opts, io)),
    );

  program
    .command("run")
    .description("Run the watchdog in the foreground (what the systemd unit runs).")
    .option("--config <file>", "the watchdog's config file")
    .action(async (opts) => setExit(await (await import("./run.js")).runDaemon(opts, io)));

  program
    .command("pair")
    .description(
      "Pair the watchdog's own device (operator.read and operator.pairing) for its live connection; prints the one approve command. Exit 0 paired, 1 waiting for approval, 2 failed.",
    )
    .option("--json", "print the result as JSON")
    .option("--state-dir <dir>", "OpenClaw's state directory (default: as OpenClaw resolves it)")
    .option("--profile <name>", "OpenClaw profile (~/.openclaw-<name>)")
    .option("--config <file>", "the watchdog's config file")
    .action(async (opts) => setExit(await (await import("./pair.js")).runPairCommand(opts, io)));

  program
    .command("silence [code]")
    .description(
      "Mute notifications for a finding code for a while (still detected and logged); --list shows, --clear CODE unmutes.",
    )
    .option("--for <duration>", "how long, e.g. 30m, 2h, 1d")
    .option("--list", "show the codes silenced now")
    .option("--clear <code>", "unmute a code")
    .option("--json", "print the result as JSON")
    .option("--config <file>", "the watchdog's config file")
    .action(async (code: string | undefined, opts) =>
      setExit(await (await import("./silence.js")).runSilence(code, opts, io)),
    );

  const config = program.command("config").description("Validate the config file or print its JSON Schema.");
  config
    .command("validate [file]")
    .description("Validate a config file (default: the one the watchdog would use).")
    .action(async (file?: string) =>
      setExit(await (await import("./config-cmd.js")).runConfigValidate(file, io)),
    );
  config
    .command("schema")
    .description("Print the JSON Schema of the config file, for editor completion.")
    .action(async () => setExit((await import("./config-cmd.js")).runConfigSchema(io)));

  program.addOption(new Option("--no-color", "disable colour (also NO_COLOR=1)").hideHelp());
  return program;
}

/** Runs the CLI and resolves to the exit code; expected failures print one clear message on stderr. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  if (argv.includes("--no-color")) io.env.NO_COLOR = "1";
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith("commander.")) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? EXIT.ok : EXIT.failed;
    }
    if (EXPECTED_ERRORS.has(e.name)) {
      print(io.stderr, `scope-watchdog: ${e.message}`);
      return EXIT.failed;
    }
    print(io.stderr, `scope-watchdog: ${e.stack ?? e.message}`);
    return EXIT.failed;
  }
}
