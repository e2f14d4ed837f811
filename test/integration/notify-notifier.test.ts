// createNotifier as the daemon uses it, with a real webhook on 127.0.0.1 and a real data dir: one notification
// for a burst, the timer it owns, silences written by `scope-watchdog silence`, the recovery text, and stop().

import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import {
  createNotifier,
  type EvaluationView,
  type NotifierOptions,
} from "../../src/actions/notify/notifier.js";
import { readSilences, silencesPath } from "../../src/actions/silences.js";
import { createStateStore, NOTIFY_STATE_FILE, resolveDataDir } from "../../src/actions/state-store.js";
import type { Io } from "../../src/cli/io.js";
import { runSilence, type SilenceOptions } from "../../src/cli/silence.js";
import { silentLogger } from "../../src/common/log.js";
import type { Finding } from "../../src/common/types.js";
import { defaultNotifyConfig, type NotifyConfigInput } from "../../src/config/schema-notify.js";
import { startHttpSink } from "../helpers/http-sink.js";
import { captureLog } from "../helpers/log-capture.js";

const DEV = "ab12".repeat(16);
const REQ = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";

const regression: Finding = {
  code: "scope-regression",
  severity: "critical",
  message: "The gateway's approved scopes for this machine's device narrowed (lost operator.admin).",
  deviceId: DEV,
  scopes: ["operator.admin"],
};
const pending: Finding = {
  code: "scope-upgrade-pending",
  severity: "warning",
  message: `This machine's device asks for operator.admin: request ${REQ}.`,
  deviceId: DEV,
  requestId: REQ,
  scopes: ["operator.admin", "operator.write"],
  fix: { command: `openclaw devices approve ${REQ}`, explanation: "Approves this machine's own request." },
};
const refused: Finding = {
  code: "pairing-required-close",
  severity: "warning",
  message: "The gateway refused this machine's device at 14:01:58: pairing required.",
  deviceId: DEV,
  requestId: REQ,
};

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sw-notify-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

async function setup(
  notify: NotifyConfigInput,
  now?: () => number,
  dataDirAt?: string,
  store?: NotifierOptions["store"],
) {
  const hook = await startHttpSink();
  onTestFinished(() => hook.close());
  const { logger, records } = captureLog();
  const dataDir = dataDirAt ?? (await tempDir());
  const notifier = createNotifier({
    config: defaultNotifyConfig({ desktop: { enabled: false }, webhook: { url: hook.url }, ...notify }),
    logger,
    dataDir,
    timeZone: "UTC",
    ...(now ? { now } : {}),
    ...(store ? { store } : {}),
  });
  onTestFinished(() => notifier.stop());
  return { hook, records, dataDir, notifier };
}

const view = (findings: Finding[], device: EvaluationView["inspection"] = null): EvaluationView => ({
  findings,
  inspection: device,
});

const bodies = (reqs: { body: string }[]) =>
  reqs.map((r) => JSON.parse(r.body) as { kind: string; body: string; incident: { codes: string[] } });

describe("createNotifier", () => {
  it("a burst of file and log evaluations for one device becomes one webhook call, sent by its own timer", async () => {
    // the three evaluations take microseconds; the 1 s group wait gathers them
    const t = await setup({ groupWait: "1s" });
    await t.notifier.onEvaluation(view([pending]));
    await t.notifier.onEvaluation(view([regression, pending]));
    await t.notifier.onEvaluation(view([regression, pending, refused]));
    await t.hook.waitFor(1);
    await t.notifier.settled();
    const [sent] = bodies(t.hook.requests);
    expect(t.hook.requests).toHaveLength(1);
    expect(sent?.kind).toBe("new");
    expect(sent?.incident.codes).toEqual([
      "scope-regression",
      "scope-upgrade-pending",
      "pairing-required-close",
    ]);
  });

  it("reports the recovery once, saying which request's approval healed it", async () => {
    let nowMs = Date.UTC(2026, 10, 27, 13, 50);
    const t = await setup({ groupWait: "0ms" }, () => nowMs);
    await t.notifier.onEvaluation(view([regression, pending]));
    nowMs = Date.UTC(2026, 10, 27, 14, 2);
    const healed = {
      gateway: { secret: null },
      device: { deviceId: DEV, paired: true, approvedScopes: ["operator.admin", "operator.write"] },
    };
    await t.notifier.onEvaluation(view([], healed));
    await t.notifier.onEvaluation(view([], healed));
    await t.notifier.settled();
    const sent = bodies(t.hook.requests);
    expect(sent.map((b) => b.kind)).toEqual(["new", "recovered"]);
    expect(sent[1]?.body).toContain(
      `Healed at 14:02, by approval of request ${REQ}: device ${DEV.slice(0, 12)}… now has operator.admin, operator.write.`,
    );
  });

  it("with a store, a notifier after a restart tells neither the open incident nor its recovery twice", async () => {
    let nowMs = Date.UTC(2026, 10, 27, 13, 50);
    const dataDir = await tempDir();
    const store = createStateStore(dataDir, silentLogger);
    const persist: NotifierOptions["store"] = {
      load: () => store.loadNotifyState(),
      save: (state) => store.saveNotifyState(state, nowMs),
    };
    const first = await setup({ groupWait: "0ms" }, () => nowMs, dataDir, persist);
    await first.notifier.onEvaluation(view([regression, pending]));
    await first.notifier.settled();
    await first.notifier.stop();
    expect(JSON.parse(await readFile(path.join(dataDir, NOTIFY_STATE_FILE), "utf8")).version).toBe(1);

    nowMs += 3_600_000;
    const second = await setup({ groupWait: "0ms" }, () => nowMs, dataDir, persist);
    await second.notifier.onEvaluation(view([regression, pending]));
    await second.notifier.settled();
    expect(second.records.find((r) => r.msg.startsWith("notification state restored"))?.msg).toBe(
      "notification state restored: 1 incident(s) already told",
    );
    nowMs += 60_000;
    await second.notifier.onEvaluation(view([]));
    await second.notifier.settled();
    await second.notifier.stop();

    const third = await setup({ groupWait: "0ms" }, () => nowMs + 60_000, dataDir, persist);
    await third.notifier.onEvaluation(view([]));
    await third.notifier.settled();
    await third.notifier.stop();
    expect(bodies(first.hook.requests).map((b) => b.kind)).toEqual(["new"]);
    expect(bodies(second.hook.requests).map((b) => b.kind)).toEqual(["recovered"]);
    expect(third.hook.requests).toEqual([]);
  });

  it("reconfigure (SIGHUP) switches channels without notifying open incidents again", async () => {
    const t = await setup({ groupWait: "0ms" });
    const next = await startHttpSink();
    onTestFinished(() => next.close());
    await t.notifier.onEvaluation(view([pending]));
    await t.notifier.settled();
    t.notifier.reconfigure(
      defaultNotifyConfig({ groupWait: "0ms", desktop: { enabled: false }, webhook: { url: next.url } }),
    );
    const other: Finding = { ...pending, deviceId: "9".repeat(64) };
    await t.notifier.onEvaluation(view([pending, other]));
    await t.notifier.settled();
    expect(bodies(t.hook.requests).map((b) => b.incident.codes)).toEqual([["scope-upgrade-pending"]]);
    expect(
      next.requests.map((r) => (JSON.parse(r.body) as { incident: { deviceId: string } }).incident.deviceId),
    ).toEqual(["9".repeat(64)]);
  });

  it("stop() clears its timer (fake timers, no network channel)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const notifier = createNotifier({
      config: defaultNotifyConfig({ desktop: { enabled: false } }),
      logger: silentLogger,
      dataDir: await tempDir(),
      now: () => 1_000,
    });
    await notifier.onEvaluation(view([regression]));
    expect(vi.getTimerCount()).toBe(1); // the group wait
    await notifier.stop();
    await notifier.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

function io(env: NodeJS.ProcessEnv, home: string, nowMs: number) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  err.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const value: Io = { stdout: out, stderr: err, env, now: () => nowMs, home };
  return { io: value, text: () => ({ stdout, stderr }) };
}

describe("scope-watchdog silence", () => {
  async function cli(root: string, code: string | undefined, opts: SilenceOptions, nowMs = Date.now()) {
    const env = { XDG_STATE_HOME: path.join(root, "state"), XDG_CONFIG_HOME: path.join(root, "config") };
    const c = io(env, path.join(root, "home"), nowMs);
    const exit = await runSilence(code, opts, c.io);
    return { exit, ...c.text(), dataDir: resolveDataDir(null, env, path.join(root, "home")) };
  }

  it("mutes a code in silences.json (mode 0600), lists it, and clears it", async () => {
    const root = await tempDir();
    const now = Date.now();
    const add = await cli(root, "scope-regression", { for: "2h" }, now);
    expect(add.exit).toBe(0);
    expect(add.stdout).toMatch(/^Silenced scope-regression for 2h, until \d{4}-\d\d-\d\d \d\d:\d\d\./);
    expect(add.stdout).toContain("Undo: scope-watchdog silence --clear scope-regression");
    const file = silencesPath(add.dataDir);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      version: 1,
      silences: [{ code: "scope-regression", untilMs: now + 2 * 3_600_000, createdAtMs: now }],
    });
    const list = await cli(root, undefined, { list: true, json: true }, now + 60_000);
    expect(JSON.parse(list.stdout).silences).toEqual([
      expect.objectContaining({ code: "scope-regression", remainingMs: 2 * 3_600_000 - 60_000 }),
    ]);
    const clear = await cli(root, undefined, { clear: "scope-regression" }, now + 120_000);
    expect(clear).toMatchObject({ exit: 0, stdout: "Notifications for scope-regression are on again.\n" });
    expect(await readSilences(add.dataDir)).toEqual({ ok: true, silences: [] });
  });

  it.each([
    ["an unknown code", "scope-regresion", { for: "2h" }, /unknown finding code "scope-regresion"/],
    ["no --for", "scope-regression", {}, /--for DURATION is required/],
    ["a bad duration", "scope-regression", { for: "2 hours" }, /--for expects a duration .* got "2 hours"/],
    ["two modes at once", "scope-regression", { for: "2h", list: true }, /give one of/],
  ] as const)("rejects %s with exit 2 and the list of codes", async (_name, code, opts, message) => {
    const r = await cli(await tempDir(), code, opts);
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("codes: scope-upgrade-pending, baseline-missing-scope, scope-regression");
  });

  it("the running notifier reads it on its next decision: logged as silenced, not sent; once cleared, sent", async () => {
    const root = await tempDir();
    const env = { XDG_STATE_HOME: path.join(root, "state"), XDG_CONFIG_HOME: path.join(root, "config") };
    const home = path.join(root, "home");
    const t = await setup({ groupWait: "0ms" }, undefined, resolveDataDir(null, env, home));
    const silence = (code: string | undefined, opts: SilenceOptions) =>
      runSilence(code, opts, io(env, home, Date.now()).io);
    const silencedLines = () => t.records.filter((r) => r.msg === "notification not sent: code silenced");

    expect(await silence("scope-regression", { for: "1h" })).toBe(0);
    await t.notifier.onEvaluation(view([regression]));
    await t.notifier.onEvaluation(view([regression]));
    await t.notifier.settled();
    expect(t.hook.requests).toHaveLength(0);
    expect(silencedLines()).toEqual([
      expect.objectContaining({ level: 30, code: "scope-regression", reason: "silenced", kind: "new" }),
    ]);

    expect(await silence(undefined, { clear: "scope-regression" })).toBe(0);
    await t.notifier.onEvaluation(view([regression]));
    await t.notifier.settled();
    expect(bodies(t.hook.requests).map((b) => b.kind)).toEqual(["new"]);
    expect(silencedLines()).toHaveLength(1);
  });
});
