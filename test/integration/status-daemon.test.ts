// `scope-watchdog status` against a real running Daemon (real watchers and files, test/helpers/daemon.ts) with the
// status server and tracker wired in the way the daemon wiring does it: a narrowed paired.json shows up as open
// incidents in `status --json` (exit 1), tokens never appear, and with no daemon it exits 2 saying where it looked.

import { randomUUID } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runStatus } from "../../src/cli/status.js";
import { silentLogger } from "../../src/common/log.js";
import type { StatusReport } from "../../src/daemon/status-report.js";
import { createStatusTracker } from "../../src/daemon/status-report.js";
import { createStatusServer, statusSocketCandidates } from "../../src/daemon/status-server.js";
import { captureIo } from "../helpers/capture-io.js";
import { startTestDaemon } from "../helpers/daemon.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  fakeOpenClawInstall,
  LegacyStateDir,
  pairedRecord,
  pendingRecord,
  tempDir,
  writeHealthyState,
} from "../helpers/openclaw-state.js";

const GATEWAY_TOKEN = "gw-token-never-in-status-0123456789";

async function writeAtomic(file: string, value: unknown) {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}

async function setup() {
  const root = await tempDir("sw-status-daemon-");
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.4.20");
  const env: NodeJS.ProcessEnv = {
    HOME: path.join(root, "home"),
    XDG_STATE_HOME: path.join(root, "xdg-state"),
    XDG_RUNTIME_DIR: path.join(root, "run"),
    PATH: process.env.PATH,
  };
  const { id, deviceToken } = await writeHealthyState(state);
  await state.writeOpenClawConfig({
    gateway: { port: 18790, auth: { mode: "token", token: GATEWAY_TOKEN } },
  });
  const tracker = createStatusTracker({ now: Date.now, version: "0.1.0" });
  const d = await startTestDaemon({
    root,
    env,
    config: { openclaw: { bin: path.join(binDir, "openclaw") }, connection: { enabled: false } },
    deps: { onEvaluated: (e) => tracker.observeEvaluation(e) },
  });
  const [socket = ""] = statusSocketCandidates(null, env, d.dataDir, env.HOME ?? "");
  const server = createStatusServer({
    socketPath: socket,
    getStatus: () => tracker.report(d.daemon.status()),
    logger: silentLogger,
    ownFolder: true,
    secrets: () => d.daemon.secrets(),
  });
  onTestFinished(() => server.stop());
  await server.start();
  return { root, env, state, id, deviceToken, d, server, socket, tracker };
}

async function statusJson(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; report: StatusReport; raw: string }> {
  const c = captureIo(env);
  const code = await runStatus({ json: true }, c.io);
  expect(c.err()).toBe("");
  return { code, report: JSON.parse(c.out()) as StatusReport, raw: c.out() };
}

describe("scope-watchdog status against a running daemon", () => {
  it("reports a healthy device, then the regression a narrowed paired.json causes", async () => {
    const t = await setup();
    expect(t.socket).toBe(path.join(t.root, "run", "openclaw-scope-watchdog", "status.sock"));
    await t.d.waitForLog((r) => r.msg === "recorded the local device's pairing as the last good state");

    const healthy = await statusJson(t.env);
    expect(healthy.code).toBe(0);
    expect(healthy.report.watchdog.mode).toBe("watching");
    expect(healthy.report.openclaw).toEqual({
      version: "2026.4.20",
      versionSource: "openclaw.bin",
      stateDir: t.state.dir,
      store: "files",
    });
    expect(healthy.report.device).toMatchObject({
      deviceId: t.id.deviceId,
      paired: true,
      approvedScopes: [...CLI_DEFAULT_SCOPES_4_20].sort(),
    });
    expect(healthy.report.incidents).toEqual([]);
    expect(healthy.report.sources.files).toMatchObject({ healthy: true });
    expect(healthy.report.sources.schedule).toMatchObject({ healthy: true });

    // the seed's regression: re-paired with approvals only, and an upgrade request waiting
    const requestId = randomUUID();
    await writeAtomic(t.state.file("devices/paired.json"), {
      [t.id.deviceId]: pairedRecord(t.id, { scopes: ["operator.approvals"], token: t.deviceToken }),
    });
    await writeAtomic(t.state.file("devices/pending.json"), {
      [requestId]: pendingRecord(t.id, { requestId, scopes: CLI_DEFAULT_SCOPES_4_20 }),
    });
    await t.d.waitForLog((r) => r.code === "scope-upgrade-pending");

    const broken = await statusJson(t.env);
    expect(broken.code).toBe(1);
    const r = broken.report;
    expect(r.summary).toMatchObject({ ok: false, worst: "critical" });
    expect(r.incidents[0]).toMatchObject({ code: "scope-regression", severity: "critical" });
    const pending = r.incidents.find((i) => i.code === "scope-upgrade-pending");
    expect(pending).toMatchObject({ requestId, fix: { command: `openclaw devices approve ${requestId}` } });
    expect(r.device?.approvedScopes).toEqual(["operator.approvals"]);
    expect(r.recentEvents).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: "opened", code: "scope-regression" })]),
    );
    // neither the device token nor the gateway token reaches the answer
    expect(broken.raw).not.toContain(t.deviceToken);
    expect(broken.raw).not.toContain(GATEWAY_TOKEN);

    // the human view of the same, without colour when not on a terminal
    const c = captureIo(t.env);
    expect(await runStatus({}, c.io)).toBe(1);
    expect(c.out()).toMatch(/CRITICAL {2}scope-regression/);
    expect(c.out()).toContain(`Fix: openclaw devices approve ${requestId}`);
    expect(c.out()).toContain("Not healthy:");
    expect(c.out()).not.toContain("\x1b[");
  });

  it("lists the actions the daemon recorded", async () => {
    const t = await setup();
    await t.d.waitForLog((r) => r.msg === "watching OpenClaw");
    t.tracker.recordAction({
      atMs: Date.now(),
      kind: "notification",
      action: "notify",
      channel: "desktop",
      outcome: "failed",
      detail: "notify-send must be installed on the system.",
    });
    const { report } = await statusJson(t.env);
    expect(report.lastActions).toEqual([
      expect.objectContaining({ kind: "notification", channel: "desktop", outcome: "failed" }),
    ]);
  });

  it("exits 2 when no daemon answers, naming every place it looked and how to start one", async () => {
    const t = await setup();
    await t.server.stop();
    await t.d.daemon.stop();
    const c = captureIo(t.env);
    expect(await runStatus({ json: true }, c.io)).toBe(2);
    expect(c.out()).toBe("");
    expect(c.err()).toContain("no watchdog daemon answers");
    expect(c.err()).toContain(`looked at ${t.socket}: no socket there`);
    expect(c.err()).toContain(`${path.join(t.d.dataDir, "status.sock")}: no socket there`);
    expect(c.err()).toContain("systemctl --user start openclaw-scope-watchdog");
    expect(c.err()).toContain("scope-watchdog run");
  });
});
