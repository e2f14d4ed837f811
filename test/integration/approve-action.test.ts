// Approve from the notification, for real: the whole watchdog (real files, watchers, notifier, remediator, locks,
// audit log) on the seed's 2026.4.20 state with the stand-in `openclaw` CLI, showing its notification through
// notify-send on a private D-Bus session to dunst on Xvfb. A click is made the way a person makes it in dunst:
// `dunstctl context` opens dunst's menu of actions, which runs its dmenu program; that program is a stand-in
// script (there is no person to pick) that picks the named action of the newest notification. dunst then
// invokes the action, and notify-send prints its key to the watchdog. dbus-monitor records every Notify call
// with the actions the server received. Details opens the check output with `xdg-open`, here a stand-in script
// that records the file it was given (there is no desktop viewer to open it with).

import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, it, onTestFinished, vi } from "vitest";
import { createMachineLocks } from "../../src/actions/locks.js";
import type { AuditEntry } from "../../src/actions/remediate/audit-log.js";
import { startTestWatchdog } from "../helpers/daemon.js";
import {
  CLICK_TOOLS,
  createActionPicker,
  type DesktopSession,
  dunstContext,
  type NotifyCall,
  startDesktopSession,
} from "../helpers/dbus-notifications.js";
import { installFakeOpenClaw } from "../helpers/fake-openclaw.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  pendingRecord,
  tempDir,
  writeSeedState,
} from "../helpers/openclaw-state.js";
import { describeNeeding } from "../helpers/os-packages.js";

const BUTTONS = ["approve", "Approve", "details", "Details"];

async function setup(o: { pending?: (seed: Awaited<ReturnType<typeof writeSeedState>>) => unknown[] } = {}) {
  const root = await tempDir("sw-approve-");
  const picker = await createActionPicker(root);
  const desktop: DesktopSession = await startDesktopSession({ withServer: true, dmenu: picker.script });
  onTestFinished(() => desktop.stop());
  // node-notifier (a notification without buttons) runs notify-send with process.env: point it at the test's bus
  vi.stubEnv("DBUS_SESSION_BUS_ADDRESS", desktop.env.DBUS_SESSION_BUS_ADDRESS);
  vi.stubEnv("DISPLAY", desktop.env.DISPLAY ?? "");
  onTestFinished(() => {
    vi.unstubAllEnvs();
  });
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  const seed = await writeSeedState(state);
  if (o.pending) await state.writePending(o.pending(seed) as Record<string, unknown>[]);
  const fake = await installFakeOpenClaw(root);
  // the Details button's viewer: records the file xdg-open was asked to open
  const opened = path.join(root, "opened.txt");
  const binDir = path.join(root, "bin");
  await mkdir(binDir, { recursive: true });
  await writeFile(path.join(binDir, "xdg-open"), `#!/bin/sh\ncp "$1" '${opened}'\n`);
  await chmod(path.join(binDir, "xdg-open"), 0o755);
  const dataDir = path.join(root, "data");
  const w = await startTestWatchdog({
    root,
    config: {
      openclaw: { bin: fake.bin, stateDir: state.dir, logFile: path.join(root, "openclaw.log") },
      dataDir,
      connection: { enabled: false },
      reconcile: { schedule: "0 0 1 1 *" },
      notify: { groupWait: "100ms" },
    },
    env: {
      ...desktop.env,
      ...fake.env,
      PATH: `${binDir}:${process.env.PATH}`,
      XDG_RUNTIME_DIR: path.join(root, "run"),
    },
  });
  await w.waitForLog((r) => r.msg === "watching OpenClaw");
  const audit = async (): Promise<AuditEntry[]> =>
    (await readFile(path.join(dataDir, "audit.jsonl"), "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEntry);
  const paired = async () =>
    JSON.parse(await readFile(state.file("devices/paired.json"), "utf8")) as Record<
      string,
      { approvedScopes: string[] }
    >;
  const offered = async (requestId: string): Promise<NotifyCall> => {
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const call = (await desktop.calls()).find((c) => c.actions.length > 0 && c.body.includes(requestId));
      if (call) return call;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no notification offered request ${requestId}: ${JSON.stringify(await desktop.calls())}`);
  };
  const click = async (key: "approve" | "details") => {
    await picker.pick(key);
    await dunstContext(desktop);
  };
  return { root, state, seed, fake, desktop, w, dataDir, audit, paired, offered, click, picker, opened };
}

describeNeeding(CLICK_TOOLS, "Approve and Details on a real desktop notification (dunst)", () => {
  it("Approve runs the guarded approve of exactly that request under policy notify, audited as the user's; then the recovery notification", async () => {
    const t = await setup();
    const offer = await t.offered(t.seed.requestId);
    expect(offer.actions).toEqual(BUTTONS);
    expect(offer.appName).toBe("OpenClaw Scope Watchdog");
    // nothing ran before the click: policy notify changes nothing on its own
    expect(await t.fake.calls()).toEqual([]);

    await t.click("approve");
    const healed = await t.w.waitForLog((r) => r.action === "approve" && r.status === "healed", 20_000);
    expect(healed.by).toBe("user");
    // re-list, then approve exactly the offered id
    expect((await t.fake.calls()).map((c) => c.argv.slice(0, 3).join(" "))).toEqual([
      "devices list --json",
      `devices approve ${t.seed.requestId}`,
    ]);
    expect([...((await t.paired())[t.seed.id.deviceId]?.approvedScopes ?? [])].sort()).toEqual(
      [...CLI_DEFAULT_SCOPES_4_20].sort(),
    );
    // policy notify: the daemon's own pass only notified; the user's approve is the one that acted
    const audit = await t.audit();
    expect(audit.filter((e) => e.by !== "user").map((e) => [e.phase, e.action])).toEqual([
      ["decided", "notify"],
    ]);
    const decided = audit.filter((e) => e.kind === "decision" && e.by === "user");
    expect(decided.map((e) => [e.phase, e.by, e.action, e.requestId, e.policy])).toEqual([
      ["before", "user", "approve", t.seed.requestId, "notify"],
      ["after", "user", "approve", t.seed.requestId, "notify"],
    ]);
    expect(decided[1]?.outcome).toMatchObject({
      status: "healed",
      healed: true,
      approvedRequestId: t.seed.requestId,
    });
    expect(decided[0]?.reasons?.[0]).toMatch(/^Approved by the user: the Approve button/);
    expect(audit.filter((e) => e.kind === "command").map((e) => [e.phase, e.by])).toEqual([
      ["before", "user"],
      ["after", "user"],
      ["before", "user"],
      ["after", "user"],
    ]);

    // the recovery notification, without buttons
    const recovered = await t.desktop.waitForCalls(2, 15_000).then(async () => {
      const end = Date.now() + 15_000;
      while (Date.now() < end) {
        const c = (await t.desktop.calls()).find((x) => x.summary.startsWith("Healed:"));
        if (c) return c;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("no recovery notification");
    });
    expect(recovered.body).toContain(`by approval of request ${t.seed.requestId}`);
    expect(recovered.actions).toEqual([]);
  });

  it("a request that changed since the notification: nothing is approved, and a new notification says why and offers the new one", async () => {
    const t = await setup();
    await t.offered(t.seed.requestId);
    // another client of the device connected: OpenClaw replaced the request with a new id asking for more
    const newId = "5e1f0c2a-7b3d-4e8f-9a6b-1c2d3e4f5a6b";
    await t.state.writePending([
      pendingRecord(t.seed.id, { requestId: newId, scopes: [...CLI_DEFAULT_SCOPES_4_20, "operator.talk"] }),
    ]);
    await t.w.waitForLog((r) => r.msg === "evaluated" && String(r.trigger).startsWith("files"), 10_000);

    await t.click("approve");
    const ended = await t.w.waitForLog((r) => r.msg?.startsWith("approve clicked:") === true, 20_000);
    expect(ended.status).toBe("changed");
    expect(await t.fake.calls()).toEqual([]);
    expect((await t.paired())[t.seed.id.deviceId]?.approvedScopes).toEqual(["operator.approvals"]);
    const [entry, ...rest] = (await t.audit()).filter((e) => e.by === "user");
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      phase: "decided",
      by: "user",
      action: "approve",
      requestId: t.seed.requestId,
      outcome: { status: "changed", healed: false },
    });

    const why = await t.offered(newId);
    expect(why.summary).toMatch(/^Not approved: request .* changed/);
    expect(why.body).toContain(`request ${t.seed.requestId} is no longer pending`);
    expect(why.body).toContain(`Now pending: request ${newId}`);
    expect(why.actions).toEqual(BUTTONS);
  });

  it("with the kill switch on, Approve approves nothing and says why", async () => {
    const t = await setup();
    await t.offered(t.seed.requestId);
    await writeFile(path.join(t.dataDir, "disable-remediation"), "");

    await t.click("approve");
    const ended = await t.w.waitForLog((r) => r.msg?.startsWith("approve clicked:") === true, 20_000);
    expect(ended.status).toBe("blocked");
    expect(await t.fake.calls()).toEqual([]);
    expect((await t.paired())[t.seed.id.deviceId]?.approvedScopes).toEqual(["operator.approvals"]);
    const end = Date.now() + 10_000;
    let why: NotifyCall | undefined;
    while (!why && Date.now() < end) {
      why = (await t.desktop.calls()).find((c) => c.summary.startsWith("Not approved"));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(why?.body).toContain("kill switch");
    expect(
      (await t.audit()).filter((e) => e.by === "user").map((e) => [e.phase, e.by, e.outcome?.status]),
    ).toEqual([["decided", "user", "blocked"]]);
  });

  it("while another remediation holds the lock, Approve approves nothing and says so", async () => {
    const t = await setup();
    await t.offered(t.seed.requestId);
    // the daemon's own pass (policy notify: it decides to notify) holds the lock for a moment: take it after that
    const locks = createMachineLocks({ env: { XDG_RUNTIME_DIR: path.join(t.root, "run") } });
    let held = await locks.remediation(t.state.dir);
    for (let i = 0; !held && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      held = await locks.remediation(t.state.dir);
    }
    expect(held).not.toBeNull();
    onTestFinished(() => held?.release());

    await t.click("approve");
    const ended = await t.w.waitForLog((r) => r.msg?.startsWith("approve clicked:") === true, 20_000);
    expect(ended.status).toBe("busy");
    expect(await t.fake.calls()).toEqual([]);
    expect((await t.paired())[t.seed.id.deviceId]?.approvedScopes).toEqual(["operator.approvals"]);
  });

  it("a request that fails a guard gets no Approve button (only the text)", async () => {
    const t = await setup({
      // recorded with an address: it came through a proxy or from another host (the loopback guard)
      pending: (seed) => [
        pendingRecord(seed.id, {
          requestId: seed.requestId,
          scopes: CLI_DEFAULT_SCOPES_4_20,
          remoteIp: "10.1.2.3",
        }),
      ],
    });
    const calls = await t.desktop.waitForCalls(1, 10_000);
    const first = calls[0];
    expect(first?.body).toContain(t.seed.requestId);
    expect(first?.actions).toEqual([]);
    // the text still names what to do; the watchdog decided: no button for a request it would refuse
    const offered = await t.w.waitForLog((r) => r.msg?.startsWith("notify:") === true);
    expect(offered.offer).toBeUndefined();
  });

  it("Details opens the check output of that state with xdg-open", async () => {
    const t = await setup();
    await t.offered(t.seed.requestId);
    await t.click("details");
    const opened = await t.w.waitForLog((r) => r.msg === "Details: opened the check output", 30_000);
    const text = await readFile(t.opened, "utf8");
    expect(text).toContain(`scope-watchdog check --state-dir ${t.state.dir}`);
    expect(text).toContain(`openclaw devices approve ${t.seed.requestId}`);
    expect(text).toContain("baseline-missing-scope");
    expect(text).not.toContain("gw-token-not-printed");
    expect(String(opened.file)).toBe(path.join(t.dataDir, "details", "check-default.txt"));
    // Details approves nothing
    expect(await t.fake.calls()).toEqual([]);
  });
});
