// Runs the BUILT watchdog daemon (`scope-watchdog run`) against a test's gateway, with its JSON log parsed live.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { onTestFinished } from "vitest";
import type { Gateway } from "./gateway.js";
import type { JsonObject } from "./gateway-config.js";
import { stopProcessTree } from "./process-tree.js";
import { builtEntry, prepareWatchdog, watchdogEnv } from "./watchdog.js";

export interface DaemonRecord {
  level: number;
  time: string;
  msg: string;
  code?: string;
  [key: string]: unknown;
}

export interface WatchdogDaemon {
  pid: number;
  configFile: string;
  /** The watchdog's data dir (its identity, last good state, offsets, audit log). */
  dataDir: string;
  records: DaemonRecord[];
  /** Everything the daemon wrote (stdout and stderr), for secret scans and failure messages. */
  output(): string;
  /** Waits until a log record matches, and returns it. */
  waitFor(match: (r: DaemonRecord) => boolean, timeoutMs?: number): Promise<DaemonRecord>;
  /** SIGTERM, then the exit code (a clean stop exits 0). */
  stop(): Promise<number | null>;
}

/**
 * Starts `scope-watchdog run` for `gateway` with `extra` merged into its config (the gateway's real log file,
 * JSON logs at debug); stopped when the test finishes.
 */
export async function startWatchdogDaemon(
  gateway: Gateway,
  extra: JsonObject = {},
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<WatchdogDaemon> {
  const setup = prepareWatchdog(gateway);
  const configFile = path.join(gateway.dir, "watchdog", "daemon.json");
  mkdirSync(path.dirname(configFile), { recursive: true });
  const config = {
    openclaw: { stateDir: gateway.stateDir, bin: setup.openclawBin, logFile: gateway.logFile },
    log: { level: "debug", format: "json" },
    notify: { desktop: { enabled: false } },
    ...extra,
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // options.env adds to it, e.g. a test desktop session's DBUS_SESSION_BUS_ADDRESS and DISPLAY
  const env = watchdogEnv({ dir: gateway.dir, env: { ...setup.env, ...options.env }, node: setup.node });
  const child = spawn(setup.node, [builtEntry(), "run", "--config", configFile], {
    env,
    cwd: gateway.dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error("scope-watchdog run did not start");
  const pid = child.pid;
  const records: DaemonRecord[] = [];
  let out = "";
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      try {
        records.push(JSON.parse(line) as DaemonRecord);
      } catch {
        // not a log record; kept in output()
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const code = await Promise.race([
        exited,
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10_000)),
      ]);
      if (code === "timeout") {
        await stopProcessTree(pid, 2_000);
        return null;
      }
      return code;
    })();
    return stopping;
  };
  onTestFinished(async () => {
    await stop();
  });
  return {
    pid,
    configFile,
    dataDir: path.join(env.XDG_STATE_HOME ?? "", "openclaw-scope-watchdog"),
    records,
    output: () => out,
    async waitFor(match, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = records.find(match);
        if (found) return found;
        // a daemon that exited will log nothing more: fail at once, with what it printed
        const why =
          child.exitCode !== null
            ? `scope-watchdog run exited with ${child.exitCode}`
            : Date.now() > deadline
              ? `no matching daemon log record within ${timeoutMs} ms`
              : null;
        if (why) throw new Error(`${why}; its output ends:\n${out.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop,
  };
}
