// The daemon against real folders and files: it sees pairing changes from file events, remembers the last
// good state, waits for OpenClaw to appear, reloads its config, and stops without leaving anything behind.

import { randomUUID } from "node:crypto";
import { appendFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { realLine } from "../fixtures/logs/real-lines.js";
import { startTestDaemon } from "../helpers/daemon.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  fakeOpenClawInstall,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  pendingRecord,
  tempDir,
  writeHealthyState,
} from "../helpers/openclaw-state.js";

async function setup() {
  const root = await tempDir();
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.4.20");
  const logFile = path.join(root, "logs", "openclaw.log");
  // a log file of the test's own (2026.4.24 and older ignore logging.file, so it is set on the watchdog's side)
  const config = { openclaw: { bin: path.join(binDir, "openclaw"), logFile }, log: { level: "debug" } };
  return { root, state, config, logFile };
}

/** Replaces a file the way OpenClaw's writeJsonAtomic does: temp file in the same folder, then rename. */
async function writeAtomic(file: string, value: unknown) {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}

describe("daemon: the gateway log", () => {
  it("turns an appended 1008 pairing-required line into a finding with the full request id", async () => {
    const t = await setup();
    const { id } = await writeHealthyState(t.state);
    await mkdir(path.dirname(t.logFile), { recursive: true });
    await writeFile(t.logFile, `${realLine("noise", { atMs: Date.now() - 60_000 })}\n`);
    const d = await startTestDaemon({ root: t.root, config: t.config });
    await d.waitForLog((r) => r.msg.startsWith("following the gateway log"));
    const requestId = randomUUID();
    const line = realLine("close1008", { atMs: Date.now(), requestId }).replace(
      /37cc8075d08f[0-9a-f]+/g,
      id.deviceId,
    );
    await appendFile(t.logFile, `${line}\n`);
    const close = await d.waitForLog((r) => r.code === "pairing-required-close");
    expect(close.requestId).toBe(requestId);
    expect(close.deviceId).toBe(id.deviceId);
    expect(close.trigger).toBe("log:pairing-required-close");
    expect(d.daemon.status().sources.log?.detail).toBe(`following ${t.logFile}`);
  });

  it("after a restart resumes from the saved offset without raising old lines as new incidents", async () => {
    const t = await setup();
    const { id } = await writeHealthyState(t.state);
    await mkdir(path.dirname(t.logFile), { recursive: true });
    await writeFile(t.logFile, "");
    const first = await startTestDaemon({ root: t.root, config: t.config });
    await first.waitForLog((r) => r.msg.startsWith("following the gateway log"));
    await first.daemon.stop();
    // while the watchdog was down, a refusal was logged ten minutes ago
    const old = realLine("close1008", { atMs: Date.now() - 600_000, requestId: randomUUID() }).replace(
      /37cc8075d08f[0-9a-f]+/g,
      id.deviceId,
    );
    await appendFile(t.logFile, `${old}\n`);
    const second = await startTestDaemon({ root: t.root, config: t.config });
    await second.waitForLog((r) => r.msg === "observation" && r.stale === true);
    expect(second.records.some((r) => r.code === "pairing-required-close")).toBe(false);
  });
});

describe("daemon: live pairing state", () => {
  it("sees the seed's regression from a file event, names it, and remembers the last good state", async () => {
    const t = await setup();
    const { id, deviceToken } = await writeHealthyState(t.state);
    const d = await startTestDaemon({ root: t.root, config: t.config });
    await d.waitForLog((r) => r.msg === "recorded the local device's pairing as the last good state");
    const lastGoodFile = path.join(d.dataDir, "last-good.json");
    expect((await stat(lastGoodFile)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(lastGoodFile, "utf8"));
    expect(saved.byStateDir[t.state.dir]).toMatchObject({
      deviceId: id.deviceId,
      approvedScopes: [...CLI_DEFAULT_SCOPES_4_20].sort(),
    });

    // the device is re-paired narrowly, as in the seed, and an upgrade request appears
    const requestId = randomUUID();
    await writeAtomic(t.state.file("devices/paired.json"), {
      [id.deviceId]: pairedRecord(id, { scopes: ["operator.approvals"], token: deviceToken }),
    });
    await writeAtomic(t.state.file("devices/pending.json"), {
      [requestId]: pendingRecord(id, { requestId, scopes: CLI_DEFAULT_SCOPES_4_20 }),
    });
    const regression = await d.waitForLog((r) => r.code === "scope-regression");
    expect(regression.severity).toBe("critical");
    expect(regression.scopes).toContain("operator.admin");
    const pending = await d.waitForLog((r) => r.code === "scope-upgrade-pending");
    expect(pending.requestId).toBe(requestId);
    expect(pending.fix).toBe(`openclaw devices approve ${requestId}`);
    expect(d.evaluations.some((e) => e.trigger.startsWith("files:"))).toBe(true);
    // the device token is never logged
    expect(d.raw.join("")).not.toContain(deviceToken);
  });

  it("picks up a non-atomic rewrite, and a deletion followed by re-creation", async () => {
    const t = await setup();
    const { id } = await writeHealthyState(t.state);
    const d = await startTestDaemon({ root: t.root, config: t.config });
    await d.waitForLog((r) => r.msg === "watching OpenClaw");
    await writeFile(
      t.state.file("devices/paired.json"),
      JSON.stringify({ [id.deviceId]: pairedRecord(id, { scopes: ["operator.read"] }) }),
    );
    await d.waitForLog((r) => r.code === "baseline-missing-scope");
    await rm(t.state.file("devices/paired.json"));
    await d.waitForLog((r) => r.code === "device-not-paired");
    await writeFile(
      t.state.file("devices/paired.json"),
      JSON.stringify({ [id.deviceId]: pairedRecord(id, { scopes: CLI_DEFAULT_SCOPES_4_20 }) }),
    );
    await d.waitForLog((r) => r.msg === "resolved: device-not-paired");
  });

  it("ignores a rewrite that only moves lastUsedAtMs (OpenClaw does that on every token use)", async () => {
    const t = await setup();
    const { id } = await writeHealthyState(t.state);
    const d = await startTestDaemon({ root: t.root, config: t.config });
    await d.waitForLog((r) => r.msg === "watching OpenClaw");
    const all = JSON.parse(await readFile(t.state.file("devices/paired.json"), "utf8"));
    all[id.deviceId].tokens.operator.lastUsedAtMs = Date.now();
    const before = d.evaluations.length;
    await writeAtomic(t.state.file("devices/paired.json"), all);
    await expect.poll(() => d.evaluations.length, { timeout: 5_000 }).toBeGreaterThan(before);
    const last = d.evaluations.at(-1);
    expect(last?.stateChanged).toBe(false);
    expect(last?.events).toEqual([]);
  });

  it("reports a new device identity against the remembered one", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const d = await startTestDaemon({ root: t.root, config: t.config });
    await d.waitForLog((r) => r.msg === "recorded the local device's pairing as the last good state");
    const fresh = makeIdentity();
    await t.state.writeIdentity(fresh);
    const changed = await d.waitForLog((r) => r.code === "device-identity-changed");
    expect(changed.deviceId).toBe(fresh.deviceId);
  });

  it("starts before OpenClaw exists, says what it waits for, and picks the state up when it appears", async () => {
    const t = await setup();
    await mkdir(path.join(t.root, "home"), { recursive: true });
    const d = await startTestDaemon({ root: t.root, config: t.config });
    const waiting = await d.waitForLog((r) => r.msg.startsWith("waiting for OpenClaw"));
    expect(waiting.msg).toContain(t.state.dir);
    expect(d.daemon.status().mode).toBe("waiting");
    await writeHealthyState(t.state);
    await d.waitForLog((r) => r.msg === "watching OpenClaw");
    expect(d.daemon.status().mode).toBe("watching");
  });

  it("the periodic reconcile re-reads everything even without file events", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const d = await startTestDaemon({
      root: t.root,
      config: { ...t.config, reconcile: { schedule: "* * * * * *" } },
    });
    await expect
      .poll(() => d.evaluations.filter((e) => e.trigger === "reconcile").length, { timeout: 5_000 })
      .toBeGreaterThan(1);
    expect(d.daemon.status().lastReconcileAtMs).not.toBeNull();
  });

  it("on SIGHUP-style reload keeps the running config when the new one is bad, and applies a good one", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const file = path.join(t.root, "watchdog.json");
    await writeFile(file, JSON.stringify(t.config));
    const d = await startTestDaemon({ root: t.root, config: t.config, configFile: file });
    await d.waitForLog((r) => r.msg === "watching OpenClaw");
    await writeFile(file, JSON.stringify({ ...t.config, reconcile: { schedule: "every five minutes" } }));
    expect(await d.daemon.reload()).toBe(false);
    const rejected = await d.waitForLog(
      (r) => r.msg === "new configuration rejected; keeping the running one",
    );
    expect(String(rejected.err)).toContain("reconcile.schedule");
    expect(d.daemon.status().mode).toBe("watching");
    await writeFile(file, JSON.stringify({ ...t.config, requiredScopes: ["node.invoke"] }));
    expect(await d.daemon.reload()).toBe(true);
    await d.waitForLog(
      (r) =>
        r.code === "baseline-missing-scope" && Array.isArray(r.scopes) && r.scopes.includes("node.invoke"),
    );
  });

  it("stop() is idempotent and leaves no timers, watchers or handles", async () => {
    const t = await setup();
    await writeHealthyState(t.state);
    const count = (kind: string) => process.getActiveResourcesInfo().filter((k) => k === kind).length;
    const kinds = ["FSEventWrap", "StatWatcher", "Timeout", "TCPWrap", "PipeWrap"];
    const before = Object.fromEntries(kinds.map((k) => [k, count(k)]));
    const d = await startTestDaemon({
      root: t.root,
      config: { ...t.config, reconcile: { schedule: "* * * * * *" } },
    });
    await d.waitForLog((r) => r.msg === "watching OpenClaw");
    expect(count("FSEventWrap")).toBeGreaterThan(before.FSEventWrap ?? 0);
    // the reconcile timer runs: it fires every second
    await expect.poll(() => d.daemon.status().lastReconcileAtMs, { timeout: 3_000 }).not.toBeNull();
    const first = d.daemon.stop();
    expect(d.daemon.stop()).toBe(first);
    await first;
    // nothing of the daemon is left: no more resources of any kind than before it started (a timer of the test
    // setup that was running then may have ended since, so "fewer" is fine), and the reconcile never fires again
    await expect.poll(() => kinds.filter((k) => count(k) > (before[k] ?? 0)), { timeout: 3_000 }).toEqual([]);
    const lastReconcile = d.daemon.status().lastReconcileAtMs;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(d.daemon.status().lastReconcileAtMs).toBe(lastReconcile);
  });
});
