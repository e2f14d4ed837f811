// `scope-watchdog service install|uninstall` on WSL. WSL is FAKED at the ServiceHost boundary: the environment
// (WSL_DISTRO_NAME, WSL_INTEROP) and the /proc facts (a Microsoft kernel release, the WSLInterop binfmt entry,
// /run/systemd/system present or not) are injected. schtasks.exe, whoami.exe and wslpath are MOCKED by stand-in
// scripts on PATH: real child processes that record their argv. The launcher the installer writes is run for real.

import { spawnSync } from "node:child_process";
import { access, chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createProcessHost, type ServiceHost } from "../../src/actions/service/host.js";
import { servicePath, UNIT_NAME } from "../../src/actions/service/systemd-unit.js";
import { runService } from "../../src/cli/service.js";
import { captureIo } from "../helpers/capture-io.js";
import { tempDir } from "../helpers/openclaw-state.js";

const WIN_USER = "DESKTOP-7\\alice";

async function script(bin: string, name: string, body: string): Promise<void> {
  const file = path.join(bin, name);
  await writeFile(file, `#!/bin/sh\nprintf '%s %s\\n' ${JSON.stringify(name)} "$*" >> "$RECORD"\n${body}\n`);
  await chmod(file, 0o755);
}

interface WslFacts {
  interop: boolean;
  systemd: boolean;
}

async function setup() {
  const root = await tempDir("sw-wsl-");
  const bin = path.join(root, "bin");
  await mkdir(bin);
  const record = path.join(root, "calls.txt");
  // mocks of the Windows side and of WSL's wslpath
  await script(bin, "schtasks.exe", "exit 0");
  await script(bin, "whoami.exe", `printf '%s\\r\\n' '${WIN_USER}'`);
  // wslpath -w /a/b → \\wsl.localhost\Ubuntu\a\b (a Node stand-in: string handling is clearer than in sh)
  const wslpath = path.join(bin, "wslpath");
  await writeFile(
    wslpath,
    `#!${process.execPath}
require("node:fs").appendFileSync(process.env.RECORD, "wslpath " + process.argv.slice(2).join(" ") + "\\n");
console.log("\\\\\\\\wsl.localhost\\\\Ubuntu" + process.argv[3].replaceAll("/", "\\\\"));
`,
  );
  await chmod(wslpath, 0o755);
  const cli = path.join(root, "pkg", "dist", "cli", "bin.js");
  await mkdir(path.dirname(cli), { recursive: true });
  // a stand-in CLI that reports how the launcher started it
  await writeFile(
    cli,
    `const umask = process.umask();
console.log(JSON.stringify({ argv: process.argv.slice(2), path: process.env.PATH, umask }));\n`,
  );
  const env = (f: WslFacts): NodeJS.ProcessEnv => ({
    HOME: path.join(root, "home"),
    USER: "alice",
    XDG_CONFIG_HOME: path.join(root, "xdg-config"),
    XDG_STATE_HOME: path.join(root, "xdg-state"),
    PATH: bin,
    RECORD: record,
    WSL_DISTRO_NAME: "Ubuntu",
    ...(f.interop ? { WSL_INTEROP: "/run/WSL/12_interop" } : {}),
  });
  const host = (f: WslFacts): ServiceHost => {
    const real = createProcessHost(env(f));
    const files: Record<string, string> = {
      "/proc/sys/kernel/osrelease": "5.15.167.4-microsoft-standard-WSL2\n",
      "/proc/1/comm": f.systemd ? "systemd\n" : "init\n",
      "/proc/sys/fs/binfmt_misc/WSLInterop": "enabled\ninterpreter /init\nflags: PF\noffset 0\nmagic 4d5a\n",
    };
    return {
      ...real,
      cliPath: cli,
      readText: async (p) => files[p] ?? real.readText(p),
      exists: async (p) => (p === "/run/systemd/system" ? f.systemd : real.exists(p)),
    };
  };
  const wslDir = path.join(root, "xdg-config", "openclaw-scope-watchdog", "wsl");
  return {
    root,
    cli,
    env,
    host,
    launcher: path.join(wslDir, "start.sh"),
    xml: path.join(wslDir, "openclaw-scope-watchdog.task.xml"),
    dataDir: path.join(root, "xdg-state", "openclaw-scope-watchdog"),
    calls: async () => {
      try {
        return (await readFile(record, "utf8")).trim().split("\n");
      } catch {
        return [];
      }
    },
  };
}

function decodeUtf16(buf: Buffer): string {
  expect([...buf.subarray(0, 2)]).toEqual([0xff, 0xfe]);
  return buf.subarray(2).toString("utf16le");
}

describe("WSL without systemd (faked WSL facts)", () => {
  it("writes the launcher and the task XML and registers it with the MOCK schtasks.exe through interop", async () => {
    const t = await setup();
    const f = { interop: true, systemd: false };
    const c = captureIo(t.env(f));
    expect(await runService("install", {}, c.io, t.host(f))).toBe(0);

    expect((await stat(t.launcher)).mode & 0o777).toBe(0o700);
    const xml = decodeUtf16(await readFile(t.xml));
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-16"\?>\r\n/);
    expect(xml).toContain(`<UserId>${WIN_USER}</UserId>`);
    expect(xml).toContain("<LogonType>InteractiveToken</LogonType>");
    expect(xml).toContain("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
    expect(xml).toContain(`<Arguments>-d Ubuntu -u alice --exec ${t.launcher}</Arguments>`);

    const winXml = `\\\\wsl.localhost\\Ubuntu${t.xml.replace(/\//g, "\\")}`;
    expect(await t.calls()).toEqual([
      "whoami.exe ",
      `wslpath -w ${t.xml}`,
      `schtasks.exe /Create /TN openclaw-scope-watchdog /XML ${winXml} /F`,
      "schtasks.exe /Run /TN openclaw-scope-watchdog",
    ]);
    expect(c.out()).toContain("Desktop toasts work on this path");
    expect(c.out()).toContain(`command = setsid -f runuser -u alice -- ${t.launcher}`);
    expect(c.err()).toBe("");
  });

  it("without interop prints the exact schtasks command to run from Windows and runs nothing", async () => {
    const t = await setup();
    const f = { interop: false, systemd: false };
    const c = captureIo(t.env(f));
    expect(await runService("install", {}, c.io, t.host(f))).toBe(0);
    const calls = await t.calls();
    expect(calls.some((l) => l.startsWith("schtasks.exe"))).toBe(false);
    expect(calls.some((l) => l.startsWith("whoami.exe"))).toBe(false);
    const winXml = `\\\\wsl.localhost\\Ubuntu${t.xml.replace(/\//g, "\\")}`;
    expect(c.out()).toContain("run these yourself from Windows (PowerShell or cmd):");
    expect(c.out()).toContain(`  schtasks /Create /TN openclaw-scope-watchdog /XML ${winXml} /F\n`);
    // not knowing the Windows account, the task is registered for whoever runs schtasks
    expect(decodeUtf16(await readFile(t.xml))).not.toContain("<UserId>");
  });

  it("the launcher it writes runs the CLI with the service PATH, a private umask, and logs to service.log", async () => {
    const t = await setup();
    const f = { interop: false, systemd: false };
    expect(await runService("install", {}, captureIo(t.env(f)).io, t.host(f))).toBe(0);
    const r = spawnSync(t.launcher, [], { env: { PATH: "/usr/bin:/bin" }, encoding: "utf8" });
    expect(r.status).toBe(0);
    const log = await readFile(path.join(t.dataDir, "service.log"), "utf8");
    expect(JSON.parse(log.trim())).toEqual({
      argv: ["run"],
      path: servicePath(process.execPath, null),
      umask: 0o077,
    });
  });

  it("uninstall ends and deletes the task through the MOCK schtasks.exe and removes the files", async () => {
    const t = await setup();
    const f = { interop: true, systemd: false };
    expect(await runService("install", {}, captureIo(t.env(f)).io, t.host(f))).toBe(0);
    await writeFile(path.join(t.root, "calls.txt"), "");
    const c = captureIo(t.env(f));
    expect(await runService("uninstall", {}, c.io, t.host(f))).toBe(0);
    expect(await t.calls()).toEqual([
      "schtasks.exe /End /TN openclaw-scope-watchdog",
      "schtasks.exe /Delete /TN openclaw-scope-watchdog /F",
    ]);
    await expect(access(t.xml)).rejects.toThrow();
    await expect(access(t.launcher)).rejects.toThrow();
  });
});

describe("WSL with systemd (faked WSL facts)", () => {
  it("chooses the user unit and warns that toasts need interop and the VM needs keeping alive", async () => {
    const t = await setup();
    const f = { interop: true, systemd: true };
    const c = captureIo(t.env(f));
    expect(await runService("install", {}, c.io, t.host(f))).toBe(0);
    await access(path.join(t.root, "xdg-config", "systemd", "user", UNIT_NAME));
    await expect(access(t.xml)).rejects.toThrow();
    expect(c.out()).toContain("processes started by systemd usually have no Windows interop");
    expect(c.out()).toContain("the VM stops shortly after the last wsl.exe client exits");
  });
});
