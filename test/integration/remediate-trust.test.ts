// The trust boundary of healing (issue 11) on real temp state dirs with the fake-openclaw stand-in: an approve
// is verified against what was approved (else the kill switch is engaged with the reason), the bounds come from
// their own ledger (no audit flood resets them; a corrupt one stops healing), one pass at a time per state,
// and healing fails closed on an unreadable config, unsafe folders, a changed identity, an unexaminable kill
// switch.

import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { createMachineLocks } from "../../src/actions/locks.js";
import { readKillSwitch } from "../../src/actions/remediate/kill-switch.js";
import { validateConfig } from "../../src/config/validate.js";
import { createDefaultDeps } from "../../src/daemon/deps.js";
import { inspectOpenClaw } from "../../src/daemon/inspect.js";
import { createWatchdog } from "../../src/daemon/watchdog.js";
import { installFakeOpenClaw } from "../helpers/fake-openclaw.js";
import { startHttpSink } from "../helpers/http-sink.js";
import { captureLog } from "../helpers/log-capture.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  makeIdentity,
  pairedRecord,
  pendingRecord,
  tempDir,
  writeSeedState,
} from "../helpers/openclaw-state.js";
import { only, world } from "../helpers/remediation-world.js";

const killFile = (dataDir: string) => path.join(dataDir, "disable-remediation");

describe("after an approve, what was approved is verified", () => {
  it("a clean approve heals and leaves the kill switch off", async () => {
    const w = await world();
    expect(only(await w.remediator.runOnce()).outcome?.status).toBe("healed");
    expect((await readKillSwitch(killFile(w.dataDir))).active).toBe(false);
  });

  it.each([
    [
      "grants a scope outside the allow-list",
      { approveGrants: ["operator.questions"] },
      /now holds operator\.questions, outside remediation\.allowScopes and its old baseline/,
    ],
    [
      "adds a role",
      { approveAddsRole: "node" },
      /roles of this machine's device changed from operator to operator, node/,
    ],
    ["changes the key", { approveSetsKey: makeIdentity().publicKey }, /now holds another public key/],
    [
      "changes another paired device",
      { approveTouchesOthers: true },
      /record of another device [0-9a-f]{12}… changed \(approvedScopes\)/,
    ],
  ])(
    "an approve that %s halts healing with the reason, and the kill switch stays on",
    async (_n, control, why) => {
      const w = await world({ control });
      const other = makeIdentity();
      await w.state.writePaired([
        pairedRecord(w.seed.id, { scopes: ["operator.approvals"], token: w.seed.deviceToken }),
        pairedRecord(other, { scopes: ["operator.read"], clientId: "openclaw-android" }),
      ]);
      const d = only(await w.remediator.runOnce());
      expect(d.outcome).toMatchObject({
        status: "halted",
        healed: false,
        approvedRequestId: w.seed.requestId,
      });
      expect(d.outcome?.message).toMatch(why);
      expect(d.outcome?.message).toMatch(/the kill switch .*disable-remediation is engaged/);
      const k = await readKillSwitch(killFile(w.dataDir));
      expect(k.active).toBe(true);
      expect(k.halt?.reason).toMatch(why);
      expect((await stat(killFile(w.dataDir))).mode & 0o777).toBe(0o600);
      const body = JSON.parse(await readFile(killFile(w.dataDir), "utf8")) as { details: string[] };
      expect(body.details.join("; ")).toMatch(why);

      // the next pass runs nothing and says why; detection raises the critical finding while it lasts
      await w.regressAgain();
      const calls = (await w.fake.calls()).length;
      const next = only(await w.remediator.runOnce());
      expect(next.action).toBe("notify");
      expect(next.reasons.join(" ")).toMatch(
        /engaged its kill switch .* after an approval it could not verify/,
      );
      expect((await w.fake.calls()).length).toBe(calls);
      const i = await inspectOpenClaw({
        config: w.config,
        env: w.env,
        nowMs: Date.now(),
        killSwitchFile: killFile(w.dataDir),
      });
      expect(i.findings[0]).toMatchObject({ code: "remediation-halted", severity: "critical" });
      expect(i.findings[0]?.message).toMatch(why);
      expect(w.records.some((r) => r.level === 50 && r.status === "halted")).toBe(true);
    },
  );
});

describe("a halt in the daemon", () => {
  it("evaluates at once: the critical remediation-halted incident opens and its notification goes out", async () => {
    const root = await tempDir("sw-halt-");
    const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
    await writeSeedState(state);
    const fake = await installFakeOpenClaw(root);
    await fake.control({ approveGrants: ["operator.questions"] });
    const hook = await startHttpSink();
    onTestFinished(() => hook.close());
    const v = validateConfig({
      openclaw: { bin: fake.bin, logFile: path.join(root, "gw.log") },
      dataDir: path.join(root, "data"),
      status: { socket: path.join(root, "run", "status.sock") },
      notify: { desktop: { enabled: false }, webhook: { url: hook.url }, groupWait: "0ms" },
      remediation: { policy: "approve-local", allowScopes: CLI_DEFAULT_SCOPES_4_20 },
    });
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    const loaded = { config: v.config, file: null, source: "defaults" as const };
    const env = {
      HOME: path.join(root, "home"),
      PATH: process.env.PATH,
      XDG_RUNTIME_DIR: path.join(root, "run"),
      ...fake.env,
    };
    const log = captureLog();
    const w = createWatchdog(
      loaded,
      createDefaultDeps({
        config: loaded,
        configFlag: undefined,
        env,
        home: env.HOME,
        logger: log.logger,
        dataDir: path.join(root, "data"),
      }),
    );
    onTestFinished(() => w.stop());
    await w.start();
    const opened = await log.waitFor((r) => r.code === "remediation-halted", 20_000);
    expect(opened.severity).toBe("critical");
    // the pass asked for an evaluation itself: the finding does not wait for the next file change or reconcile
    await log.waitFor((r) => r.msg === "evaluated" && r.trigger === "remediation:halted", 10_000);
    await expect
      .poll(
        () =>
          hook.requests.some((r) =>
            (JSON.parse(r.body) as { incident: { codes: string[] } }).incident.codes.includes(
              "remediation-halted",
            ),
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    const sent = hook.requests.map(
      (r) => JSON.parse(r.body) as { severity: string; title: string; incident: { codes: string[] } },
    );
    expect(sent.find((n) => n.incident.codes.includes("remediation-halted"))).toMatchObject({
      severity: "critical",
      title: "Automatic healing stopped: an approval did not match",
    });
  });
});

describe("the ledger keeps the bounds", () => {
  it("records each attempt (0600, per state dir), and a restart with a flooded audit log still escalates", async () => {
    const w = await world();
    expect(only(await w.remediator.runOnce()).outcome?.healed).toBe(true);
    const file = path.join(w.dataDir, "remediation-ledger.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const ledger = JSON.parse(await readFile(file, "utf8")) as {
      version: number;
      attempts: Record<string, unknown>[];
    };
    expect(ledger.version).toBe(1);
    expect(ledger.attempts).toEqual([
      expect.objectContaining({
        stateDir: w.state.dir,
        deviceId: w.seed.id.deviceId,
        action: "approve",
        requestId: w.seed.requestId,
        status: "healed",
        healed: true,
      }),
    ]);
    // what used to reset the bounds: the audit log flooded past what was read back, then a restart
    await writeFile(path.join(w.dataDir, "audit.jsonl"), `${"x".repeat(1023)}\n`.repeat(3 * 1024));
    await w.regressAgain();
    const d = only(await w.newRemediator().runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(/again .* after the watchdog healed it/);
  });

  it("two watchdogs on two states sharing a data dir both keep their attempts (one writer at a time)", async () => {
    const a = await world();
    const b = await world({ dataDir: () => a.dataDir });
    const [ra, rb] = await Promise.all([a.remediator.runOnce(), b.remediator.runOnce()]);
    expect([only(ra).outcome?.status, only(rb).outcome?.status]).toEqual(["healed", "healed"]);
    const ledger = JSON.parse(await readFile(path.join(a.dataDir, "remediation-ledger.json"), "utf8")) as {
      attempts: { stateDir: string; healed: boolean }[];
    };
    expect(ledger.attempts.map((x) => [x.stateDir, x.healed]).sort()).toEqual(
      [
        [a.state.dir, true],
        [b.state.dir, true],
      ].sort(),
    );
  });

  it("a corrupt ledger stops automatic healing, naming the file, instead of counting as no history", async () => {
    const w = await world();
    await mkdir(w.dataDir, { recursive: true });
    const file = path.join(w.dataDir, "remediation-ledger.json");
    await writeFile(file, '{"version":1,"attempts":[{"atMs":');
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toContain(`The remediation ledger ${file} is not valid JSON`);
    expect(await w.fake.calls()).toEqual([]);
    expect(w.records.find((r) => r.msg.startsWith("the remediation ledger cannot be read"))?.file).toBe(file);
    expect(await readFile(file, "utf8")).toBe('{"version":1,"attempts":[{"atMs":');
  });
});

describe("the audit log stays small and clean under a flood of other devices' requests", () => {
  it("one entry per pass for all of them, with their texts cleaned and capped", async () => {
    const w = await world({ remediation: { policy: "notify" } });
    const flood = Array.from({ length: 40 }, () =>
      pendingRecord(makeIdentity(), {
        scopes: ["operator.admin"],
        displayName: `evil\u202e${"n".repeat(5_000)}`,
        clientId: `cli\u0007\r\u200b${"c".repeat(3_000)}`,
      }),
    );
    await w.state.writePending(flood);
    const report = await w.remediator.runOnce();
    expect(report.decisions.map((d) => d.action)).toEqual(["skip", "notify"]);
    const entries = await w.audit();
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => e.phase)).toEqual(["decided", "decided"]);
    const text = await readFile(path.join(w.dataDir, "audit.jsonl"), "utf8");
    expect(text).not.toMatch(/\\u202e|\\u0007|\\r|\\u200b/i);
    for (const ch of ["\u202e", "\u0007", "\r", "\u200b"]) expect(text).not.toContain(ch);
    for (const e of entries) for (const r of e.reasons ?? []) expect(r.length).toBeLessThanOrEqual(1_000);
    expect(Buffer.byteLength(text)).toBeLessThan(8_000);
  });
});

describe("one remediation at a time", () => {
  it("a pass that finds the lock held decides nothing and says another remediation is running", async () => {
    const w = await world();
    const locks = createMachineLocks({ env: w.env });
    const held = await locks.remediation(w.state.dir);
    expect(held).not.toBeNull();
    const d = only(await w.remediator.runOnce());
    expect(d).toMatchObject({
      action: "skip",
      outcome: { status: "busy", message: "another remediation is running" },
    });
    expect(d.reasons[0]).toContain(w.state.dir);
    expect(await w.fake.calls()).toEqual([]);
    await held?.release();
    expect(only(await w.remediator.runOnce()).outcome?.healed).toBe(true);
  });
});

describe("fail closed", () => {
  it("an openclaw.json that exists but cannot be read runs nothing", async () => {
    const w = await world();
    await writeFile(w.state.file("openclaw.json"), "{ gateway: { port: 18790, ");
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(
      /openclaw\.json is not valid JSON5: the watchdog cannot tell which gateway/,
    );
    expect(await w.fake.calls()).toEqual([]);
  });

  it("a group-writable state folder runs nothing and is a finding naming the folder and the fix", async () => {
    const w = await world();
    await chmod(w.state.file("devices"), 0o775);
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toContain(`not private to you (${w.state.file("devices")})`);
    expect(await w.fake.calls()).toEqual([]);
    const f = (await w.inspect()).findings.find((x) => x.code === "state-path-unsafe");
    expect(f?.fix?.command).toBe(`chmod go-w '${w.state.file("devices")}'`);
  });

  it("an open device-identity-changed runs nothing", async () => {
    const w = await world();
    await w.state.writeIdentity(w.seed.id, "0".repeat(64));
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(/device identity changed \(device-identity-changed\)/);
    expect(await w.fake.calls()).toEqual([]);
  });

  it("a kill switch that cannot be examined counts as on", async () => {
    const w = await world({ dataDir: (root) => path.join(root, "file", "data") });
    await writeFile(path.join(w.root, "file"), "");
    const d = only(await w.remediator.runOnce());
    expect(d.action).toBe("notify");
    expect(d.reasons.join(" ")).toMatch(
      /disable-remediation cannot be examined \(ENOTDIR\): it counts as on/,
    );
    expect(await w.fake.calls()).toEqual([]);
  });
});
