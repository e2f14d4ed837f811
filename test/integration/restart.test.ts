// Nothing forgotten across a restart (issue 11, item 10), with the whole watchdog on real files: real state
// directory, real data dir, a real webhook on 127.0.0.1. A restart is stop() and a new watchdog on the same data
// dir. An incident still open is not notified again; one healed while the watchdog was down is told once;
// silences hold; corrupt or foreign state files are moved aside and the watchdog runs; no secret is stored.

import { randomUUID } from "node:crypto";
import { appendFile, mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { addSilence, clearSilence } from "../../src/actions/silences.js";
import {
  INCIDENTS_FILE,
  LAST_GOOD_FILE,
  NOTIFY_STATE_FILE,
  resolveDataDir,
} from "../../src/actions/state-store.js";
import { Redactor } from "../../src/common/redact.js";
import { realLine } from "../fixtures/logs/real-lines.js";
import { startTestWatchdog, type TestWatchdog } from "../helpers/daemon.js";
import { type HttpSink, startHttpSink } from "../helpers/http-sink.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  fakeOpenClawInstall,
  LegacyStateDir,
  pairedRecord,
  SEED_GATEWAY_PORT,
  tempDir,
  writeSeedState,
} from "../helpers/openclaw-state.js";

const GATEWAY_TOKEN = "gw-token-not-printed-0123456789"; // what writeSeedState puts in openclaw.json

async function setup() {
  const root = await tempDir("sw-restart-");
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  const binDir = await fakeOpenClawInstall(path.join(root, "oc"), "2026.4.20");
  const logFile = path.join(root, "logs", "openclaw.log");
  await mkdir(path.dirname(logFile), { recursive: true });
  await writeFile(logFile, "");
  const sink = await startHttpSink();
  onTestFinished(() => sink.close());
  const config = {
    openclaw: { bin: path.join(binDir, "openclaw"), logFile },
    connection: { enabled: false },
    notify: { desktop: { enabled: false }, groupWait: "100ms", webhook: { url: sink.url, retries: 0 } },
    log: { level: "debug" },
  };
  const seed = await writeSeedState(state);
  const start = async (): Promise<TestWatchdog> => {
    const w = await startTestWatchdog({ root, config });
    await w.waitForLog((r) => r.msg === "watching OpenClaw");
    return w;
  };
  return { root, state, sink, start, logFile, ...seed };
}

const kinds = (sink: HttpSink) => sink.requests.map((r) => (JSON.parse(r.body) as { kind: string }).kind);

async function writeAtomic(file: string, value: unknown) {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}

/** OpenClaw after `openclaw devices approve`: the device and its token hold the CLI's scopes, nothing pending. */
async function heal(t: Awaited<ReturnType<typeof setup>>) {
  await t.state.writeDeviceAuth(t.id, CLI_DEFAULT_SCOPES_4_20, t.deviceToken);
  await t.state.writePaired([pairedRecord(t.id, { scopes: CLI_DEFAULT_SCOPES_4_20, token: t.deviceToken })]);
  await writeAtomic(t.state.file("devices/pending.json"), {});
}

describe("a restart of the watchdog", () => {
  it("does not notify an incident still open again, and tells its healing after the restart once", async () => {
    const t = await setup();
    const first = await t.start();
    await t.sink.waitFor(1);
    await first.watchdog.stop();
    expect(kinds(t.sink)).toEqual(["new"]);
    for (const file of [INCIDENTS_FILE, NOTIFY_STATE_FILE]) {
      const st = await stat(path.join(first.dataDir, file));
      expect(st.mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(path.join(first.dataDir, file), "utf8")).version).toBe(1);
    }

    const second = await t.start();
    expect(second.evaluations[0]?.events).toEqual([]);
    expect(second.records.some((r) => r.msg.startsWith("opened:"))).toBe(false);
    expect(second.records.find((r) => r.msg.startsWith("notification state restored"))?.groups).toHaveLength(
      1,
    );
    await heal(t);
    await second.waitForLog((r) => r.msg === "resolved: baseline-missing-scope");
    await t.sink.waitFor(2);
    await second.watchdog.stop();
    expect(kinds(t.sink)).toEqual(["new", "recovered"]);
  });

  it("tells an incident that healed while it was down once, after the restart, and never again", async () => {
    const t = await setup();
    const first = await t.start();
    await t.sink.waitFor(1);
    await first.watchdog.stop();
    await heal(t);

    const second = await t.start();
    expect(second.evaluations[0]?.events.map((e) => [e.type, e.incident.code]).sort()).toEqual([
      ["resolved", "baseline-missing-scope"],
      ["resolved", "scope-upgrade-pending"],
    ]);
    await t.sink.waitFor(2);
    await second.watchdog.stop();
    expect(kinds(t.sink)).toEqual(["new", "recovered"]);

    const third = await t.start();
    await third.watchdog.stop();
    expect(third.evaluations[0]?.events).toEqual([]);
    expect(kinds(t.sink)).toEqual(["new", "recovered"]);
  });

  it("keeps silences: a silenced incident stays untold across restarts, and is told once the silence is lifted", async () => {
    const t = await setup();
    const dataDir = resolveDataDir(null, { XDG_STATE_HOME: path.join(t.root, "xdg-state") });
    const now = Date.now();
    await addSilence(dataDir, "baseline-missing-scope", 3_600_000, now);
    await addSilence(dataDir, "scope-upgrade-pending", 3_600_000, now);
    for (let run = 0; run < 3; run++) {
      const w = await t.start();
      await w.waitForLog((r) => r.msg === "evaluated");
      await w.watchdog.stop();
      expect(w.records.filter((r) => r.msg.startsWith("notify:"))).toEqual([]);
    }
    expect(t.sink.requests).toEqual([]);
    await clearSilence(dataDir, "baseline-missing-scope", Date.now());
    await clearSilence(dataDir, "scope-upgrade-pending", Date.now());
    const after = await t.start();
    await t.sink.waitFor(1);
    await after.watchdog.stop();
    expect(kinds(t.sink)).toEqual(["new"]);
  });

  it("moves corrupt or foreign state files aside with one line naming each, and runs from a fresh start", async () => {
    const t = await setup();
    const first = await t.start();
    await t.sink.waitFor(1);
    await first.watchdog.stop();
    const dataDir = first.dataDir;
    await writeFile(path.join(dataDir, INCIDENTS_FILE), '{"version":1,"byStateDir":{"/x":{"open":');
    await writeFile(path.join(dataDir, NOTIFY_STATE_FILE), JSON.stringify({ version: 7, anything: true }));
    await writeFile(path.join(dataDir, LAST_GOOD_FILE), JSON.stringify(["not", "ours"]));

    const second = await t.start();
    for (const file of [INCIDENTS_FILE, NOTIFY_STATE_FILE, LAST_GOOD_FILE]) {
      const full = path.join(dataDir, file);
      const lines = second.records.filter((r) => r.file === full && r.level === 40);
      expect(lines, file).toHaveLength(1);
      expect(lines[0]?.msg).toContain(full);
      expect(String(lines[0]?.movedTo)).toMatch(new RegExp(`^${full}\\.corrupt-\\d+$`));
      await stat(String(lines[0]?.movedTo));
    }
    // started fresh: the open incident is news again, and told again
    expect(second.evaluations[0]?.events.map((e) => e.type)).toEqual(["opened", "opened"]);
    await t.sink.waitFor(2);
    await second.watchdog.stop();
    expect(kinds(t.sink)).toEqual(["new", "new"]);
    // and what it stores now is readable by the next start
    const third = await t.start();
    await third.watchdog.stop();
    expect(third.records.filter((r) => r.movedTo !== undefined)).toEqual([]);
    expect(third.evaluations[0]?.events).toEqual([]);
  });

  it("stores no secret: no token, password or key in any file it keeps, even from a log line that held one", async () => {
    const t = await setup();
    const first = await t.start();
    await first.waitForLog((r) => r.msg.startsWith("following the gateway log"));
    // a refused connect whose log text carries the gateway token and a device token
    const line = realLine("gatewayTokenMismatch", { atMs: Date.now(), port: SEED_GATEWAY_PORT })
      .split("token_mismatch")
      .join(`token_mismatch token=${GATEWAY_TOKEN} ${t.deviceToken}`);
    await appendFile(t.logFile, `${line}\n`);
    await first.waitForLog((r) => r.code === "gateway-auth-failure");
    await t.sink.waitFor(2);
    await first.watchdog.stop();

    const files = await readdir(first.dataDir);
    expect(files).toEqual(expect.arrayContaining([INCIDENTS_FILE, NOTIFY_STATE_FILE, "audit.jsonl"]));
    const incidents = await readFile(path.join(first.dataDir, INCIDENTS_FILE), "utf8");
    expect(incidents).toContain("gateway-auth-failure");
    // the line was kept (for the findings it makes after a restart), scrubbed as it was read
    expect(incidents).toContain("token=[redacted]");
    const privateKey = t.id.privateKeyPem.split("\n")[1] ?? "";
    expect(privateKey.length).toBeGreaterThan(20);
    for (const file of files.filter((f) => f.endsWith(".json") || f.endsWith(".jsonl"))) {
      const text = await readFile(path.join(first.dataDir, file), "utf8");
      const leaked = [GATEWAY_TOKEN, t.deviceToken, privateKey].filter((s) => text.includes(s));
      expect(leaked.length, `${leaked.length} secret(s) in ${file}`).toBe(0);
      // the patterns that scrub notifications and logs find nothing to scrub
      expect(new Redactor().redact(text, { shapes: true }), file).toBe(text);
    }
  });
});
