// A real desktop notification path on a headless machine: a private D-Bus session bus (no service
// activation, so nothing starts behind our back), optionally Xvfb + dunst owning org.freedesktop.Notifications,
// and dbus-monitor writing every Notify call to a file. Every process is started here and killed by PID.
// Needs the Debian packages dbus, libnotify-bin, dunst and xvfb (scripts/os-packages.mjs).

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { OsCommand } from "../../scripts/os-packages.mjs";

/** The commands a desktop session runs (the suites that start one declare them with describeNeeding). */
export const DESKTOP_TOOLS: readonly OsCommand[] = [
  "dbus-daemon",
  "dbus-monitor",
  "dbus-send",
  "notify-send",
  "Xvfb",
  "dunst",
];

export interface NotifyCall {
  appName: string;
  summary: string;
  body: string;
  /** The urgency hint (0 low, 1 normal, 2 critical), when sent. */
  urgency: number | null;
  /** The actions as sent: key, label, key, label, … (empty without buttons). */
  actions: string[];
  /** The expire timeout in ms (-1: the server's default). */
  expireMs: number | null;
}

export interface DesktopSession {
  /** DBUS_SESSION_BUS_ADDRESS and (with a server) DISPLAY, for the process that sends. */
  env: { DBUS_SESSION_BUS_ADDRESS: string; DISPLAY?: string };
  /** The Notify calls dbus-monitor has written to its file so far. */
  calls(): Promise<NotifyCall[]>;
  waitForCalls(count: number, timeoutMs?: number): Promise<NotifyCall[]>;
  pids(): number[];
  stop(): Promise<void>;
}

const BUS_CONFIG = (
  dir: string,
) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

function firstLine(child: ChildProcess, stream: NodeJS.ReadableStream | null, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 5 s`)), 5_000);
    stream?.on("data", (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl).trim());
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready`));
    });
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

function nameHasOwner(env: NodeJS.ProcessEnv, name: string): Promise<boolean> {
  return new Promise((resolve) =>
    execFile(
      "dbus-send",
      [
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner",
        `string:${name}`,
      ],
      { env },
      (err, stdout) => resolve(!err && /boolean true/.test(stdout)),
    ),
  );
}

const ARG_START =
  /^ {3}(string|uint32|int32|int64|byte|boolean|double|array|dict entry|variant|struct|\]|\))/;

/** Parses dbus-monitor's text output into Notify calls (app name, summary, body: the 1st, 3rd and 4th strings). */
export function parseNotifyCalls(text: string): NotifyCall[] {
  const lines = text.split("\n");
  const calls: NotifyCall[] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i] ?? "";
    if (!header.startsWith("method call") || !header.includes("member=Notify")) continue;
    const strings: string[] = [];
    const actions: string[] = [];
    let arrays = 0;
    let expireMs: number | null = null;
    let urgency: number | null = null;
    let j = i + 1;
    while (j < lines.length && /^\s/.test(lines[j] ?? "")) {
      const line = lines[j] ?? "";
      const m = /^ {3}string "(.*)$/.exec(line);
      if (m) {
        let buf = m[1] ?? "";
        while (
          !(
            buf.endsWith('"') &&
            (j + 1 >= lines.length || ARG_START.test(lines[j + 1] ?? "") || /^\S/.test(lines[j + 1] ?? ""))
          )
        ) {
          j++;
          buf += `\n${lines[j] ?? ""}`;
          if (j >= lines.length) break;
        }
        strings.push(buf.slice(0, -1));
      }
      if (/^ {3}array \[/.test(line)) arrays++;
      const action = /^ {6}string "(.*)"$/.exec(line);
      if (arrays === 1 && action) actions.push(action[1] ?? "");
      const expire = /^ {3}int32 (-?\d+)$/.exec(line);
      if (expire) expireMs = Number(expire[1]);
      if (/string "urgency"/.test(line)) {
        const v = /byte (\d+)/.exec(lines[j + 1] ?? "");
        if (v) urgency = Number(v[1]);
      }
      j++;
    }
    calls.push({
      appName: strings[0] ?? "",
      summary: strings[2] ?? "",
      body: strings[3] ?? "",
      urgency,
      actions,
      expireMs,
    });
    i = j - 1;
  }
  return calls;
}

/** Starts a private session bus, the monitor, and (withServer) Xvfb + dunst as the notification server. */
export async function startDesktopSession(opts: {
  withServer: boolean;
  /** dunst's `dmenu` program: what its context menu (`dunstctl context`) runs to let the user pick an action. */
  dmenu?: string;
}): Promise<DesktopSession> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sw-dbus-"));
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) continue;
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      process.kill(c.pid, "SIGTERM");
      const timer = setTimeout(
        () => c.pid !== undefined && c.exitCode === null && process.kill(c.pid, "SIGKILL"),
        2_000,
      );
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const conf = path.join(dir, "bus.conf");
    await writeFile(conf, BUS_CONFIG(dir));
    const bus = spawn("dbus-daemon", ["--config-file", conf, "--nofork", "--print-address=1"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(bus);
    const address = await firstLine(bus, bus.stdout, "dbus-daemon");
    const base: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, "config"),
      DBUS_SESSION_BUS_ADDRESS: address,
    };
    const env: DesktopSession["env"] = { DBUS_SESSION_BUS_ADDRESS: address };
    if (opts.withServer) {
      const xvfb = spawn("Xvfb", ["-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "640x480x24"], {
        stdio: ["ignore", "ignore", "ignore", "pipe"],
      });
      children.push(xvfb);
      const display = `:${await firstLine(xvfb, xvfb.stdio[3] as NodeJS.ReadableStream | null, "Xvfb")}`;
      env.DISPLAY = display;
      if (opts.dmenu) {
        await mkdir(path.join(dir, "config", "dunst"), { recursive: true });
        await writeFile(
          path.join(dir, "config", "dunst", "dunstrc"),
          `[global]\n    dmenu = ${opts.dmenu}\n`,
        );
      }
      const dunst = spawn("dunst", [], { env: { ...base, DISPLAY: display }, stdio: "ignore" });
      children.push(dunst);
      await until(
        () => nameHasOwner(base, "org.freedesktop.Notifications"),
        "dunst did not own org.freedesktop.Notifications",
      );
    }
    const capture = path.join(dir, "notify-calls.txt");
    const fd = openSync(capture, "w");
    const monitor = spawn("dbus-monitor", ["interface='org.freedesktop.Notifications',member='Notify'"], {
      env: base,
      stdio: ["ignore", fd, "ignore"],
    });
    closeSync(fd);
    children.push(monitor);
    // dbus-monitor has become a monitor once it lost its own unique name
    await until(
      async () => (await readFile(capture, "utf8")).includes("member=NameLost"),
      "dbus-monitor did not start",
    );
    const calls = async () => parseNotifyCalls(await readFile(capture, "utf8"));
    return {
      env,
      calls,
      async waitForCalls(count, timeoutMs = 5_000) {
        let got: NotifyCall[] = [];
        await until(
          async () => {
            got = await calls();
            return got.length >= count;
          },
          `expected ${count} Notify calls`,
          timeoutMs,
        );
        return got;
      },
      pids: () => children.flatMap((c) => (c.pid === undefined ? [] : [c.pid])),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The commands clicking a notification's button needs besides a desktop session. */
export const CLICK_TOOLS: readonly OsCommand[] = [...DESKTOP_TOOLS, "dunstctl"];

/**
 * A stand-in for dmenu (dunst's context menu runs it with one line per action, `#Label (summary) [id,key]`):
 * it records the menu it was shown and picks the named action of the newest notification that offers it, the
 * way a person would pick it in dmenu. Write the key to pick with `pick()` before `click()`.
 */
export async function createActionPicker(dir: string) {
  const script = path.join(dir, "pick-action.sh");
  const keyFile = path.join(dir, "pick-key");
  const menus = path.join(dir, "menus.txt");
  await writeFile(keyFile, "approve");
  await writeFile(menus, "");
  await writeFile(
    script,
    `#!/bin/sh
menu=$(cat)
printf '%s\n---\n' "$menu" >> '${menus}'
key=$(cat '${keyFile}')
printf '%s\n' "$menu" | awk -v k="$key" 'match($0, /[[0-9]+,[^]]+]$/) { s = substr($0, RSTART + 1, RLENGTH - 2); n = index(s, ","); id = substr(s, 1, n - 1) + 0; if (substr(s, n + 1) == k && id >= best) { best = id; line = $0 } } END { if (line != "") print line }'
`,
    { mode: 0o755 },
  );
  return {
    script,
    pick: (key: string) => writeFile(keyFile, key),
    menus: async () => readFile(menus, "utf8"),
  };
}

/** `dunstctl context`: opens dunst's context menu, i.e. runs the picker, which invokes the action it picked. */
export function dunstContext(session: DesktopSession): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      "dunstctl",
      ["context"],
      { env: { PATH: process.env.PATH, ...session.env } },
      (err, _o, stderr) =>
        err ? reject(new Error(`dunstctl context failed: ${stderr || err.message}`)) : resolve(),
    ),
  );
}
