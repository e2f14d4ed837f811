// `scope-watchdog service install|uninstall --systemd` into a temporary XDG_CONFIG_HOME. The machine facts that
// decide the path (/proc/sys/kernel/osrelease, /run/systemd/system, /proc/1/comm) are FAKED at the ServiceHost
// boundary so the test means the same on any machine. `systemctl` and `loginctl` are either absent from PATH or
// MOCKED by stand-in shell scripts: real child processes that record their argv and answer like the real tools.

import { access, chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createProcessHost, type ServiceHost } from "../../src/actions/service/host.js";
import { UNIT_NAME } from "../../src/actions/service/systemd-unit.js";
import { runService } from "../../src/cli/service.js";
import { ConfigError } from "../../src/config/load.js";
import { captureIo } from "../helpers/capture-io.js";
import { tempDir } from "../helpers/openclaw-state.js";

/** A stand-in program (mock) that appends its argv, one call per line, to $RECORD, prints `stdout`, exits `code`. */
async function fakeTool(
  bin: string,
  name: string,
  opts: { stdout?: string; stderr?: string; code?: number } = {},
) {
  const file = path.join(bin, name);
  await writeFile(
    file,
    `#!/bin/sh
printf '%s %s\\n' ${JSON.stringify(name)} "$*" >> "$RECORD"
${opts.stdout ? `printf '%s\\n' ${JSON.stringify(opts.stdout)}` : ""}
${opts.stderr ? `printf '%s\\n' ${JSON.stringify(opts.stderr)} >&2` : ""}
exit ${opts.code ?? 0}
`,
  );
  await chmod(file, 0o755);
}

interface Setup {
  root: string;
  bin: string;
  record: string;
  configHome: string;
  unit: string;
  cli: string;
  env: NodeJS.ProcessEnv;
  host: (systemdRunning: boolean) => ServiceHost;
  calls: () => Promise<string[]>;
}

async function setup(): Promise<Setup> {
  const root = await tempDir("sw-install-");
  const bin = path.join(root, "bin");
  await mkdir(bin);
  const cli = path.join(root, "pkg", "dist", "cli", "bin.js");
  await mkdir(path.dirname(cli), { recursive: true });
  await writeFile(cli, "// the built CLI\n");
  const record = path.join(root, "calls.txt");
  const configHome = path.join(root, "xdg-config");
  const env: NodeJS.ProcessEnv = {
    HOME: path.join(root, "home"),
    USER: "alice",
    XDG_CONFIG_HOME: configHome,
    XDG_STATE_HOME: path.join(root, "xdg-state"),
    PATH: bin,
    RECORD: record,
  };
  return {
    root,
    bin,
    record,
    configHome,
    cli,
    env,
    unit: path.join(configHome, "systemd", "user", UNIT_NAME),
    host: (systemdRunning) => {
      const real = createProcessHost(env);
      const files: Record<string, string> = {
        "/proc/sys/kernel/osrelease": "6.1.0-28-amd64\n",
        "/proc/1/comm": systemdRunning ? "systemd\n" : "bash\n",
      };
      return {
        ...real,
        cliPath: cli,
        readText: async (f) => files[f] ?? real.readText(f),
        exists: async (f) => (f === "/run/systemd/system" ? systemdRunning : real.exists(f)),
      };
    },
    calls: async () => {
      try {
        return (await readFile(record, "utf8")).trim().split("\n");
      } catch {
        return [];
      }
    },
  };
}

describe("service install --systemd without systemctl on PATH", () => {
  it("writes the unit with absolute paths and prints the exact commands to run", async () => {
    const t = await setup();
    const c = captureIo(t.env);
    expect(await runService("install", { systemd: true }, c.io, t.host(true))).toBe(0);

    const unit = await readFile(t.unit, "utf8");
    expect(unit).toContain(`ExecStart=${process.execPath} ${t.cli} run\n`);
    expect((await stat(t.unit)).mode & 0o777).toBe(0o644);
    expect(c.out()).toContain(`created   ${t.unit}`);
    expect(c.out()).toContain(
      "systemctl is not on PATH; run these yourself:\n" +
        "  systemctl --user daemon-reload\n" +
        `  systemctl --user enable --now ${UNIT_NAME}\n`,
    );
    expect(c.out()).toContain("sudo loginctl enable-linger alice");
    expect(c.err()).toBe("");

    // a second install changes nothing on disk
    const again = captureIo(t.env);
    expect(await runService("install", { systemd: true }, again.io, t.host(true))).toBe(0);
    expect(again.out()).toContain(`unchanged ${t.unit}`);
  });

  it("bakes an absolute --config path into ExecStart, and refuses an invalid config before writing", async () => {
    const t = await setup();
    const cfgDir = path.join(t.root, "my config");
    await mkdir(cfgDir);
    await writeFile(path.join(cfgDir, "sw.json"), JSON.stringify({ log: { level: "debug" } }));
    const c = captureIo(t.env);
    const rel = path.relative(process.cwd(), path.join(cfgDir, "sw.json"));
    expect(await runService("install", { systemd: true, config: rel }, c.io, t.host(true))).toBe(0);
    expect(await readFile(t.unit, "utf8")).toContain(`run --config "${path.join(cfgDir, "sw.json")}"\n`);

    await writeFile(path.join(cfgDir, "bad.json"), JSON.stringify({ log: { level: "loud" } }));
    const t2 = await setup();
    await expect(
      runService(
        "install",
        { systemd: true, config: path.join(cfgDir, "bad.json") },
        captureIo(t2.env).io,
        t2.host(true),
      ),
    ).rejects.toThrow(ConfigError);
    await expect(access(t2.unit)).rejects.toThrow();
  });

  it("says a missing build is the problem instead of writing a unit that cannot start", async () => {
    const t = await setup();
    const c = captureIo(t.env);
    const host = { ...t.host(true), cliPath: path.join(t.root, "nope", "bin.js") };
    expect(await runService("install", { systemd: true }, c.io, host)).toBe(2);
    expect(c.err()).toMatch(/does not exist; build the package first/);
    await expect(access(t.unit)).rejects.toThrow();
  });
});

describe("service install/uninstall with a MOCK systemctl (stand-in script recording its argv)", () => {
  it("runs daemon-reload then enable --now, and reports linger from loginctl", async () => {
    const t = await setup();
    await fakeTool(t.bin, "systemctl");
    await fakeTool(t.bin, "loginctl", { stdout: "Linger=no" });
    const c = captureIo(t.env);
    expect(await runService("install", { systemd: true }, c.io, t.host(true))).toBe(0);
    expect(await t.calls()).toEqual([
      "loginctl show-user alice -p Linger",
      "systemctl --user daemon-reload",
      `systemctl --user enable --now ${UNIT_NAME}`,
    ]);
    expect(c.out()).toContain(`ran       systemctl --user enable --now ${UNIT_NAME}`);
    expect(c.out()).toMatch(/Linger is off for alice: the service runs only while you are logged in/);
    expect(c.out()).not.toContain("run these yourself");
  });

  it("restarts a running service when an install changes the unit", async () => {
    const t = await setup();
    await fakeTool(t.bin, "systemctl");
    await fakeTool(t.bin, "loginctl", { stdout: "Linger=yes" });
    expect(await runService("install", { systemd: true }, captureIo(t.env).io, t.host(true))).toBe(0);
    await writeFile(path.join(t.root, "c.json"), "{}");
    await writeFile(t.record, "");
    const c = captureIo(t.env);
    expect(
      await runService("install", { systemd: true, config: path.join(t.root, "c.json") }, c.io, t.host(true)),
    ).toBe(0);
    expect((await t.calls()).filter((l) => l.startsWith("systemctl"))).toEqual([
      "systemctl --user daemon-reload",
      `systemctl --user try-restart ${UNIT_NAME}`,
      `systemctl --user enable --now ${UNIT_NAME}`,
    ]);
    expect(c.out()).toContain(`updated   ${t.unit}`);
    expect(c.out()).toContain("Linger is on for alice");
  });

  it("uninstall disables and stops the unit, removes the file and reloads", async () => {
    const t = await setup();
    await fakeTool(t.bin, "systemctl");
    expect(await runService("install", { systemd: true }, captureIo(t.env).io, t.host(true))).toBe(0);
    await writeFile(t.record, "");
    const c = captureIo(t.env);
    expect(await runService("uninstall", { systemd: true }, c.io, t.host(true))).toBe(0);
    expect(await t.calls()).toEqual([
      `systemctl --user disable --now ${UNIT_NAME}`,
      "systemctl --user daemon-reload",
    ]);
    await expect(access(t.unit)).rejects.toThrow();
    expect(c.out()).toContain(`removed   ${t.unit}`);
  });

  it("stops at a failing systemctl, shows its error, and lists what is left to run (exit 2)", async () => {
    const t = await setup();
    await fakeTool(t.bin, "systemctl", { code: 1, stderr: "Failed to connect to bus: No medium found" });
    const c = captureIo(t.env);
    expect(await runService("install", { systemd: true }, c.io, t.host(true))).toBe(2);
    expect(await t.calls()).toEqual(["systemctl --user daemon-reload"]);
    expect(c.err()).toContain(
      "`systemctl --user daemon-reload` failed (exit 1):\n    Failed to connect to bus: No medium found",
    );
    expect(c.out()).toContain(`Then run the rest yourself:\n  systemctl --user enable --now ${UNIT_NAME}`);
  });

  it("does not call systemctl where systemd is not running, and says why", async () => {
    const t = await setup();
    await fakeTool(t.bin, "systemctl");
    const c = captureIo(t.env);
    expect(await runService("install", { systemd: true }, c.io, t.host(false))).toBe(0);
    expect(await t.calls()).toEqual([]);
    expect(c.out()).toContain(
      "systemd is not running on this machine (no /run/systemd/system); run these yourself:",
    );
  });
});

describe("service print", () => {
  it("prints the user unit without writing anything", async () => {
    const t = await setup();
    const c = captureIo(t.env);
    expect(await runService("print", { systemd: true }, c.io, t.host(true))).toBe(0);
    expect(c.out()).toContain(`ExecStart=${process.execPath} ${t.cli} run\n`);
    await expect(access(t.unit)).rejects.toThrow();
  });

  it("prints the system-wide unit for an account from /etc/passwd, and refuses an unknown one", async () => {
    const t = await setup();
    const base = t.host(true);
    const passwd = "root:x:0:0::/root:/bin/sh\nopenclaw:x:998:998::/var/lib/openclaw:/usr/sbin/nologin\n";
    const host: ServiceHost = {
      ...base,
      readText: async (f) => (f === "/etc/passwd" ? passwd : base.readText(f)),
    };
    const c = captureIo(t.env);
    expect(await runService("print", { systemd: true, system: true }, c.io, host)).toBe(0);
    expect(c.out()).toMatch(/^User=openclaw$/m);
    expect(c.out()).toMatch(/^BindPaths=\/var\/lib\/openclaw$/m);

    const none = captureIo(t.env);
    expect(await runService("print", { system: true, runAs: "ghost" }, none.io, host)).toBe(2);
    expect(none.err()).toContain('there is no account "ghost"');
  });

  it("refuses unknown actions and contradictory flags", async () => {
    const t = await setup();
    const c = captureIo(t.env);
    expect(await runService("start", {}, c.io, t.host(true))).toBe(2);
    expect(await runService("install", { systemd: true, wsl: true }, c.io, t.host(true))).toBe(2);
    expect(await runService("install", { system: true }, c.io, t.host(true))).toBe(2);
    expect(c.err()).toContain('unknown service action "start"');
    expect(c.err()).toContain("choose one of --systemd and --wsl");
    expect(c.err()).toContain("installed as root by hand");
  });
});
