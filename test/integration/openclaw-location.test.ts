// Finding OpenClaw exactly as OpenClaw does (src/config/paths.ts, src/cli/profile.ts, src/infra/home-dir.ts),
// against real folders, and reading the gateway settings the watchdog needs from openclaw.json (JSON5).

import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { locateOpenClaw } from "../../src/config/openclaw-paths.js";
import { readGatewaySettings } from "../../src/sources/state/openclaw-config.js";
import { tempDir } from "../helpers/openclaw-state.js";

describe("locateOpenClaw", () => {
  it("uses ~/.openclaw, or the legacy ~/.clawdbot when only that exists", async () => {
    const home = await tempDir();
    expect(locateOpenClaw({ env: { HOME: home } })).toMatchObject({
      stateDir: path.join(home, ".openclaw"),
      stateDirSource: "~/.openclaw",
      configPath: path.join(home, ".openclaw", "openclaw.json"),
    });
    await mkdir(path.join(home, ".clawdbot"));
    await writeFile(path.join(home, ".clawdbot", "clawdbot.json"), "{}");
    expect(locateOpenClaw({ env: { HOME: home } })).toMatchObject({
      stateDir: path.join(home, ".clawdbot"),
      stateDirSource: "~/.clawdbot (legacy)",
      configPath: path.join(home, ".clawdbot", "clawdbot.json"),
    });
    await mkdir(path.join(home, ".openclaw"));
    expect(locateOpenClaw({ env: { HOME: home } }).stateDir).toBe(path.join(home, ".openclaw"));
  });

  it("OPENCLAW_HOME moves ~ (with its own ~ prefix resolved against HOME)", async () => {
    const home = await tempDir();
    const loc = locateOpenClaw({ env: { HOME: home, OPENCLAW_HOME: "~/alt" } });
    expect(loc.home).toBe(path.join(home, "alt"));
    expect(loc.stateDir).toBe(path.join(home, "alt", ".openclaw"));
  });

  it("a profile uses ~/.openclaw-NAME and the dev profile port 19001, unless OPENCLAW_STATE_DIR is set", async () => {
    const home = await tempDir();
    expect(locateOpenClaw({ env: { HOME: home }, profile: "work" }).stateDir).toBe(
      path.join(home, ".openclaw-work"),
    );
    expect(locateOpenClaw({ env: { HOME: home }, profile: "default" }).stateDir).toBe(
      path.join(home, ".openclaw"),
    );
    expect(locateOpenClaw({ env: { HOME: home }, profile: "dev" }).portOverride).toBe(19001);
    const pinned = locateOpenClaw({ env: { HOME: home, OPENCLAW_STATE_DIR: "~/pinned" }, profile: "work" });
    expect(pinned).toMatchObject({
      stateDir: path.join(home, "pinned"),
      stateDirSource: "OPENCLAW_STATE_DIR",
    });
  });

  it("OPENCLAW_CONFIG_PATH and OPENCLAW_GATEWAY_PORT win; an explicit --state-dir keeps its own openclaw.json", async () => {
    const home = await tempDir();
    const env = { HOME: home, OPENCLAW_CONFIG_PATH: "~/cfg/oc.json", OPENCLAW_GATEWAY_PORT: "18790" };
    expect(locateOpenClaw({ env })).toMatchObject({
      configPath: path.join(home, "cfg", "oc.json"),
      portOverride: 18790,
    });
    const flagged = locateOpenClaw({ env, stateDir: "/srv/oc" });
    expect(flagged).toMatchObject({
      stateDir: "/srv/oc",
      stateDirSource: "--state-dir",
      configPath: "/srv/oc/openclaw.json",
    });
  });
});

describe("readGatewaySettings", () => {
  it("reads JSON5 with $-brace variable substitution and env SecretRefs, holding the secret unprintable", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "openclaw.json");
    await writeFile(
      file,
      `// OpenClaw accepts JSON5
      { gateway: { port: "\${OC_PORT}", bind: "loopback", auth: { mode: "token", token: { source: "env", id: "MY_TOKEN" } },
        nodes: { pairing: { autoApproveLocal: false } } },
        logging: { file: "\${LOGS}/gw.log" }, }`,
    );
    const env = { OC_PORT: "18790", MY_TOKEN: "s3cret-token-value-0123456789", LOGS: "/var/log/oc" };
    const { settings, problems } = await readGatewaySettings(file, env, null);
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      port: 18790,
      bind: "loopback",
      authMode: "token",
      logFile: "/var/log/oc/gw.log",
      autoApproveLocal: false,
    });
    expect(settings.secret?.reveal()).toBe("s3cret-token-value-0123456789");
    expect(JSON.stringify(settings)).not.toContain("s3cret");
    expect(String(settings.secret)).toBe("[redacted]");
  });

  it("falls back to OpenClaw's defaults for a missing or broken file, saying so for a broken one", async () => {
    const dir = await tempDir();
    const missing = await readGatewaySettings(
      path.join(dir, "none.json"),
      { OPENCLAW_GATEWAY_TOKEN: "tok-from-env-123456" },
      null,
    );
    expect(missing.problems).toEqual([]);
    expect(missing.settings).toMatchObject({
      port: 18789,
      bind: "loopback",
      authMode: "token",
      source: null,
      mode: null,
      configProblem: null,
    });
    await writeFile(path.join(dir, "bad.json"), "{ gateway: ");
    const bad = await readGatewaySettings(path.join(dir, "bad.json"), {}, 19001);
    expect(bad.settings.port).toBe(19001);
    expect(bad.problems[0]?.problem).toMatch(/is not valid JSON5/);
    expect(bad.settings.configProblem).toBe("is not valid JSON5");
  });

  it("reads gateway.mode, and says why a file that exists cannot be read (healing waits on it)", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "remote.json"), '{ gateway: { mode: "remote" } }');
    expect((await readGatewaySettings(path.join(dir, "remote.json"), {}, null)).settings).toMatchObject({
      mode: "remote",
      configProblem: null,
    });
    await mkdir(path.join(dir, "dir.json"));
    const unreadable = await readGatewaySettings(path.join(dir, "dir.json"), {}, null);
    expect(unreadable.settings.configProblem).toBe("is not a regular file");
    await symlink(path.join(dir, "remote.json"), path.join(dir, "link.json"));
    const link = await readGatewaySettings(path.join(dir, "link.json"), {}, null);
    expect(link.settings.configProblem).toMatch(/symbolic link/);
    expect(link.settings.mode).toBeNull();
  });
});
