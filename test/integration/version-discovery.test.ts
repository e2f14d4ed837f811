// Version discovery as a service sees it: real files in a temp home (package.json, openclaw.json, a systemd unit,
// a launchd plist, global install folders), a real child process listening on a loopback port as the running
// gateway, and a real `openclaw` executable that records whether it was run.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { discoverOpenClaw, type VersionDiscoveryOptions } from "../../src/sources/host/openclaw-version.js";
import { runCli } from "../helpers/cli.js";
import { fakeOpenClawInstall, LegacyStateDir, tempDir, writeSeedState } from "../helpers/openclaw-state.js";

/** An `openclaw` package (package.json and dist/index.js) in a node_modules folder. */
async function openclawPackage(nodeModules: string, version: string): Promise<string> {
  const dir = path.join(nodeModules, "openclaw");
  await mkdir(path.join(dir, "dist"), { recursive: true });
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "openclaw", version }));
  // a gateway stand-in: listens on 127.0.0.1, prints its port
  await writeFile(
    path.join(dir, "dist", "index.js"),
    `const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => console.log(s.address().port));
     setInterval(() => {}, 1000);`,
  );
  return dir;
}

async function world() {
  const root = await tempDir();
  const home = path.join(root, "home");
  await mkdir(home, { recursive: true });
  const emptyBin = path.join(root, "empty-bin");
  await mkdir(emptyBin);
  const base: VersionDiscoveryOptions = {
    configuredBin: null,
    env: { PATH: emptyBin, HOME: home },
    home,
    lastTouchedVersion: null,
    configPath: path.join(home, ".openclaw", "openclaw.json"),
    profile: null,
    port: 1, // nothing listens there
    systemPrefixes: [],
  };
  return { root, home, base };
}

/** Starts `node <pkg>/dist/index.js gateway --port 0` and resolves with its pid and port. */
async function runningGateway(pkgDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [path.join(pkgDir, "dist", "index.js"), "gateway", "--port", "0"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  onTestFinished(() => {
    child.kill("SIGKILL");
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    child.once("exit", () => reject(new Error("gateway stand-in exited")));
  });
  return { child, port };
}

describe("version discovery, in order", () => {
  it("openclaw.bin, then PATH: the package.json of the executable", async () => {
    const w = await world();
    const binDir = await fakeOpenClawInstall(path.join(w.root, "oc"), "2026.5.28");
    const viaPath = await discoverOpenClaw({ ...w.base, env: { ...w.base.env, PATH: binDir } });
    expect(viaPath).toMatchObject({ version: "2026.5.28", versionSource: "PATH", via: "package.json" });
    const other = await fakeOpenClawInstall(path.join(w.root, "oc2"), "2026.6.35");
    const viaBin = await discoverOpenClaw({
      ...w.base,
      configuredBin: path.join(other, "openclaw"),
      env: { ...w.base.env, PATH: binDir },
    });
    expect(viaBin).toMatchObject({ version: "2026.6.35", versionSource: "openclaw.bin" });
  });

  it("meta.lastTouchedVersion when no executable is found", async () => {
    const w = await world();
    const r = await discoverOpenClaw({ ...w.base, lastTouchedVersion: "2026.4.18" });
    expect(r).toMatchObject({
      version: "2026.4.18",
      versionSource: "lastTouchedVersion",
      versionFrom: w.base.configPath,
    });
  });

  it("hello-ok's server version, when the daemon has one", async () => {
    const w = await world();
    const r = await discoverOpenClaw({ ...w.base, helloVersion: "2026.9.6" });
    expect(r).toMatchObject({ version: "2026.9.6", versionSource: "gateway hello-ok" });
    expect(r.versionsSeen).toEqual([
      { source: "gateway hello-ok", version: "2026.9.6", from: null, running: true },
    ]);
  });

  it("the systemd unit's ExecStart: this profile's unit and port, the package it runs", async () => {
    const w = await world();
    const pkg = await openclawPackage(path.join(w.root, "nm"), "2026.7.35");
    const otherPkg = await openclawPackage(path.join(w.root, "nm2"), "2026.4.29");
    const units = path.join(w.home, ".config", "systemd", "user");
    await mkdir(units, { recursive: true });
    const unit = (entry: string, port: number) =>
      `[Unit]\nDescription=OpenClaw Gateway\n\n[Service]\nExecStart="${process.execPath}" "${entry}" gateway --port ${port}\nEnvironment=OPENCLAW_SERVICE_VERSION=2026.1.1\n`;
    await writeFile(
      path.join(units, "openclaw-gateway-work.service"),
      unit(path.join(otherPkg, "dist", "index.js"), 19001),
    );
    await writeFile(
      path.join(units, "openclaw-gateway.service"),
      unit(path.join(pkg, "dist", "index.js"), 18789),
    );
    const r = await discoverOpenClaw({ ...w.base, port: 18789 });
    expect(r).toMatchObject({
      version: "2026.7.35",
      versionSource: "gateway service",
      versionFrom: path.join(units, "openclaw-gateway.service"),
    });
    const work = await discoverOpenClaw({ ...w.base, profile: "work", port: 19001 });
    expect(work).toMatchObject({ version: "2026.4.29", versionSource: "gateway service" });
  });

  it("a unit whose package is gone still names the version it was installed with", async () => {
    const w = await world();
    const units = path.join(w.home, ".config", "systemd", "user");
    await mkdir(units, { recursive: true });
    await writeFile(
      path.join(units, "openclaw-gateway.service"),
      "[Service]\nExecStart=/nowhere/node /nowhere/openclaw/dist/index.js gateway --port 18789\nEnvironment=OPENCLAW_SERVICE_VERSION=2026.8.2\n",
    );
    expect(await discoverOpenClaw({ ...w.base, port: 18789 })).toMatchObject({
      version: "2026.8.2",
      versionSource: "gateway service",
    });
  });

  it("a launchd agent's ProgramArguments", async () => {
    const w = await world();
    const pkg = await openclawPackage(path.join(w.root, "nm"), "2026.8.2");
    const agents = path.join(w.home, "Library", "LaunchAgents");
    await mkdir(agents, { recursive: true });
    await writeFile(
      path.join(agents, "ai.openclaw.gateway.plist"),
      `<?xml version="1.0"?><plist><dict><key>Label</key><string>ai.openclaw.gateway</string>
       <key>ProgramArguments</key><array><string>/opt/node/bin/node</string><string>${path.join(pkg, "dist", "index.js")}</string>
       <string>gateway</string><string>--port</string><string>18789</string></array></dict></plist>`,
    );
    expect(await discoverOpenClaw({ ...w.base, port: 18789 })).toMatchObject({
      version: "2026.8.2",
      versionSource: "gateway service",
    });
  });

  it("the process listening on the gateway's port: the package its command line runs", async () => {
    const w = await world();
    const pkg = await openclawPackage(path.join(w.root, "nm"), "2026.6.35");
    const gw = await runningGateway(pkg);
    const r = await discoverOpenClaw({ ...w.base, port: gw.port });
    expect(r).toMatchObject({ version: "2026.6.35", versionSource: "gateway process" });
    expect(r.versionFrom).toContain(`pid ${gw.child.pid}`);
  });

  it("asks the running gateway even when a file answered first, and keeps both", async () => {
    const w = await world();
    const pkg = await openclawPackage(path.join(w.root, "nm"), "2026.7.35");
    const gw = await runningGateway(pkg);
    const binDir = await fakeOpenClawInstall(path.join(w.root, "oc"), "2026.8.2");
    const r = await discoverOpenClaw({ ...w.base, port: gw.port, env: { ...w.base.env, PATH: binDir } });
    // they disagree: the running gateway decides
    expect(r).toMatchObject({ version: "2026.7.35", versionSource: "gateway process" });
    expect(r.versionsSeen?.map((s) => [s.source, s.version, s.running])).toEqual([
      ["PATH", "2026.8.2", false],
      ["gateway process", "2026.7.35", true],
    ]);
  });

  it.each([
    ["~/.npm-global", ".npm-global/lib/node_modules"],
    ["nvm", ".nvm/versions/node/v24.1.0/lib/node_modules"],
    ["pnpm", ".local/share/pnpm/global/5/node_modules"],
    ["bun", ".bun/install/global/node_modules"],
  ])("a global install under %s", async (_name, rel) => {
    const w = await world();
    await openclawPackage(path.join(w.home, rel), "2026.4.24");
    const r = await discoverOpenClaw(w.base);
    expect(r).toMatchObject({ version: "2026.4.24", versionSource: "global install" });
    expect(r.versionFrom).toBe(path.join(w.home, rel, "openclaw", "package.json"));
  });

  it("a system-wide global install", async () => {
    const w = await world();
    const prefix = path.join(w.root, "usr", "lib", "node_modules");
    await openclawPackage(prefix, "2026.9.6");
    expect(await discoverOpenClaw({ ...w.base, systemPrefixes: [prefix] })).toMatchObject({
      version: "2026.9.6",
      versionSource: "global install",
    });
  });

  it("runs `openclaw --version` only when nothing else answers", async () => {
    const w = await world();
    const binDir = path.join(w.root, "wrapper-bin");
    await mkdir(binDir);
    const marker = path.join(w.root, "ran");
    // a wrapper without a package.json beside it (as some installers write)
    await writeFile(
      path.join(binDir, "openclaw"),
      `#!/bin/sh\necho ran >> "${marker}"\necho "OpenClaw 2026.5.28"\n`,
      { mode: 0o755 },
    );
    const env = { ...w.base.env, PATH: binDir };
    const cheap = await discoverOpenClaw({ ...w.base, env, lastTouchedVersion: "2026.5.28" });
    expect(cheap.versionSource).toBe("lastTouchedVersion");
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
    const last = await discoverOpenClaw({ ...w.base, env });
    expect(last).toMatchObject({
      version: "2026.5.28",
      versionSource: "openclaw --version",
      via: "--version",
    });
    expect(await readFile(marker, "utf8")).toBe("ran\n");
  });

  it("says nothing answered when nothing did", async () => {
    const w = await world();
    expect(await discoverOpenClaw(w.base)).toMatchObject({
      version: null,
      versionSource: null,
      versionsSeen: [],
    });
  });
});

describe("installed and running disagree", () => {
  it("check reports openclaw-version-mismatch, the restart that ends it, and the running gateway's rules", async () => {
    const root = await tempDir();
    const home = path.join(root, "home");
    const state = new LegacyStateDir(path.join(home, ".openclaw"));
    await writeSeedState(state);
    // the gateway still runs 2026.7.35; 2026.8.2 was installed on disk (on PATH) without a restart
    const gw = await runningGateway(await openclawPackage(path.join(root, "nm"), "2026.7.35"));
    const config = JSON.parse(await readFile(state.file("openclaw.json"), "utf8")) as Record<string, unknown>;
    await state.writeOpenClawConfig({ ...config, gateway: { ...(config.gateway as object), port: gw.port } });
    const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.8.2");
    const r = await runCli(["check", "--json"], {
      env: { HOME: home, XDG_CONFIG_HOME: path.join(root, "xdg"), PATH: binDir },
    });
    const out = JSON.parse(r.stdout) as {
      openclaw: { version: string; versionSource: string; store: string; versionsSeen: { source: string }[] };
      findings: { code: string; severity: string; message: string; fix?: { command: string } }[];
    };
    expect(out.openclaw).toMatchObject({
      version: "2026.7.35",
      versionSource: "gateway process",
      store: "files",
    });
    expect(out.openclaw.versionsSeen.map((s) => s.source)).toEqual(["PATH", "gateway process"]);
    const m = out.findings.find((f) => f.code === "openclaw-version-mismatch");
    expect(m?.severity).toBe("warning");
    expect(m?.message).toMatch(
      /^OpenClaw 2026\.8\.2 is installed \(PATH: .*\), but the running gateway is 2026\.7\.35/,
    );
    expect(m?.fix?.command).toBe("openclaw gateway restart");
    // 7.35's rules: the CLI approves there
    expect(out.findings.find((f) => f.code === "scope-upgrade-pending")?.fix?.command).toMatch(
      /^openclaw devices approve /,
    );
  });

  it("an older lastTouchedVersion than the running gateway is normal, a newer one is not", async () => {
    const { versionMismatch } = await import("../../src/detect/version-findings.js");
    const running = {
      source: "gateway process" as const,
      version: "2026.7.35",
      from: "pid 1",
      running: true,
    };
    const touched = (version: string) => ({
      source: "lastTouchedVersion" as const,
      version,
      from: null,
      running: false,
    });
    expect(versionMismatch([touched("2026.6.35"), running])).toBeNull();
    expect(versionMismatch([touched("2026.8.2"), running])?.disk.version).toBe("2026.8.2");
  });
});

describe("the seed-shaped check, as a service", () => {
  it("2026.4.x state, lastTouchedVersion 2026.4.18, no openclaw on PATH: the pre-4.25 rules, critical", async () => {
    const root = await tempDir();
    const home = path.join(root, "home");
    const state = new LegacyStateDir(path.join(home, ".openclaw"));
    const seed = await writeSeedState(state);
    // the seed's openclaw.json as 2026.4.18 writes it (meta on every config write); a port nothing listens on
    const config = JSON.parse(await readFile(state.file("openclaw.json"), "utf8")) as Record<string, unknown>;
    await state.writeOpenClawConfig({
      ...config,
      gateway: { ...(config.gateway as object), port: 1 },
      meta: { lastTouchedVersion: "2026.4.18", lastTouchedAt: "2026-04-19T08:00:00.000Z" },
    });
    const emptyBin = path.join(root, "empty-bin");
    await mkdir(emptyBin);
    const r = await runCli(["check", "--json"], {
      env: { HOME: home, XDG_CONFIG_HOME: path.join(root, "xdg"), PATH: emptyBin },
    });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      openclaw: { version: string; versionSource: string; store: string };
      findings: { code: string; severity: string; fix?: { command: string } }[];
    };
    expect(out.openclaw).toMatchObject({
      version: "2026.4.18",
      versionSource: "lastTouchedVersion",
      store: "files",
    });
    expect(out.findings.find((f) => f.code === "baseline-missing-scope")?.severity).toBe("critical");
    expect(out.findings.map((f) => f.code)).not.toContain("openclaw-version-unknown");
    expect(out.findings.find((f) => f.code === "scope-upgrade-pending")?.fix?.command).toBe(
      `openclaw devices approve ${seed.requestId}`,
    );
  });
});
